#!/usr/bin/env bash
# System calls per round trip of workload 7 (tcp_echo_loopback) for one or more wakeful-micro
# builds, counted by the kernel's syscall tracepoints through perf (needs root, or
# kernel.perf_event_paranoid <= -1). Counts are exact where times are noisy, so this is how the
# I/O backends' cost is compared call by call.
#
#   load/micro/tcp_syscalls.sh [--quick] [--rt 1thread|2threads] LABEL=PATH [LABEL=PATH...]
#   load/micro/tcp_syscalls.sh reactor_op=build/release/load/micro/wakeful-micro \
#                              async_wait=build/release-async-wait/load/micro/wakeful-micro
#
# A run of the workload is its warm-up plus 5 measured runs of 100 clients x 10,000 round trips
# (--quick: 10 x 100); connection set-up is counted too, a few dozen calls per connection.
set -euo pipefail

flavour=1thread
quick=()
builds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rt) flavour=$2; shift 2 ;;
    --quick) quick=(--quick); shift ;;
    *=*) builds+=("$1"); shift ;;
    *) echo "usage: $0 [--quick] [--rt 1thread|2threads] LABEL=PATH..." >&2; exit 2 ;;
  esac
done
[ ${#builds[@]} -gt 0 ] || { echo "usage: $0 [--quick] [--rt 1thread|2threads] LABEL=PATH..." >&2; exit 2; }
command -v perf >/dev/null || { echo "perf is missing: scripts/setup-debian.sh --bench" >&2; exit 1; }

if [ ${#quick[@]} -gt 0 ]; then round_trips=$((6 * 10 * 100)); else round_trips=$((6 * 100 * 10000)); fi
events=raw_syscalls:sys_enter
calls=(epoll_wait epoll_ctl recvfrom recvmsg sendto sendmsg read write)
for call in "${calls[@]}"; do events+=",syscalls:sys_enter_$call"; done

printf '| build | calls per round trip |'
for call in "${calls[@]}"; do printf ' %s |' "$call"; done
printf '\n| --- | ---: |'
for _ in "${calls[@]}"; do printf ' ---: |'; done
printf '\n'
for build in "${builds[@]}"; do
  label=${build%%=*}
  binary=${build#*=}
  counts=$(perf stat -x, -e "$events" -- "$binary" tcp "${quick[@]}" --rt "$flavour" 2>&1 >/dev/null | grep sys_enter)
  printf '| %s (%s) |' "$label" "$flavour"
  for event in raw_syscalls:sys_enter "${calls[@]/#/syscalls:sys_enter_}"; do
    count=$(printf '%s\n' "$counts" | awk -F, -v e="$event" '$3 == e { print $1 }')
    printf ' %s |' "$(awk -v c="$count" -v n="$round_trips" 'BEGIN { printf "%.3f", c / n }')"
  done
  printf '\n'
done

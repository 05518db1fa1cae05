#!/usr/bin/env bash
# The container's HEALTHCHECK: asks /healthz (200 while serving, 503 while draining) on the port the
# server listens on, whatever --bind and --port it was given: the listening sockets of the server
# process (PID 1 in the container, or the pid given) are looked up in /proc. Bash only: the slim
# image has no curl.
#
#   scripts/healthcheck.sh [PID]    exit status 0 when healthy, 1 otherwise (with the reason)
set -uo pipefail
pid=${1:-1}

inodes=" "
for fd in /proc/"$pid"/fd/*; do
  link=$(readlink "$fd" 2>/dev/null) || continue
  if [[ $link == socket:\[*\] ]]; then
    inodes+="${link:8:${#link}-9} "
  fi
done

# /proc/net/tcp{,6}: sl local_address rem_address st ... inode; st 0A is LISTEN.
while read -r _ local _ state _ _ _ _ _ inode _; do
  [[ $state == 0A && $inodes == *" $inode "* ]] || continue
  address=${local%:*}
  port=$((16#${local#*:}))
  if ((${#address} == 8)); then  # IPv4, in the kernel's byte order
    host=$((16#${address:6:2})).$((16#${address:4:2})).$((16#${address:2:2})).$((16#${address:0:2}))
    [[ $host == 0.0.0.0 ]] && host=127.0.0.1
  elif [[ $address == 00000000000000000000000000000000 ]]; then
    host=::1
  else
    continue  # a specific IPv6 address: another of the process's sockets may do
  fi
  if ! exec 3<>"/dev/tcp/$host/$port"; then
    echo "cannot connect to $host port $port" >&2
    exit 1
  fi
  printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
  status=$(head -n 1 <&3)
  if [[ $status == *" 200 "* ]]; then
    exit 0
  fi
  echo "http://$host:$port/healthz: ${status%$'\r'}" >&2
  exit 1
done < <(cat /proc/"$pid"/net/tcp /proc/"$pid"/net/tcp6 2>/dev/null)
echo "process $pid has no listening TCP socket" >&2
exit 1

#!/usr/bin/env bash
# Plots ns per round against N for the join-sets of workload 1 (FuturesUnordered and the naive
# poll-all set), wakeful beside the Rust reference, from a CSV written by load/micro/compare.py.
#   load/micro/plot_joinset.sh [load/results/micro-*.csv [out.png]]   (default load/results/joinset.png)
# README's figure (docs/joinset.png) comes from a run over small and large N:
#   load/micro/compare.py --n 1,2,3,4,6,8,16,64,1000,10000,100000 joinset_manual
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=${1:-$(ls -t load/results/micro-*.csv | head -n 1)}
out=${2:-load/results/joinset.png}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for variant in futures_unordered_manual naive_poll_all_manual; do
  awk -F, -v v="$variant" '$1 == "joinset_wake_one" && $2 == v { print $3, $4, $6 }' "$csv" | sort -n > "$work/$variant.dat"
  if [ ! -s "$work/$variant.dat" ]; then
    echo "plot_joinset: no $variant rows in $csv (run compare.py joinset_manual first)" >&2
    exit 1
  fi
done

gnuplot <<GNUPLOT
set terminal pngcairo size 900,560 font "sans,11"
set output "$out"
set title "One child woken among N: the cost of a round (median ns, log-log)"
set xlabel "N (pending children)"
set ylabel "ns per round"
set logscale xy
set format x "%.0s%c"
set key top left
set grid
plot "$work/futures_unordered_manual.dat" using 1:2 with linespoints lw 2 pt 7 title "wakeful FuturesUnordered", \
     "$work/futures_unordered_manual.dat" using 1:3 with linespoints lw 2 pt 5 dt 2 title "futures-rs 0.3 FuturesUnordered", \
     "$work/naive_poll_all_manual.dat" using 1:2 with linespoints lw 2 pt 7 title "wakeful PollAll (poll every child)", \
     "$work/naive_poll_all_manual.dat" using 1:3 with linespoints lw 2 pt 5 dt 2 title "Rust Vec poll-all (reference)"
GNUPLOT
echo "wrote $out from $csv"

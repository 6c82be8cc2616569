#!/usr/bin/env bash
# Capture-file read methods side by side on one file, in one session, interleaved:
# cat, then weir --stop-after read / decode and the full job (default layout and -w 1,
# output to /dev/null) for each --read-method. Prints the median wall and CPU (user +
# system) seconds of R runs per row, with the CPU model on top.
#
#   scripts/read-methods.sh FILE [RUNS]        (default: 3 runs; weir from build/)
set -euo pipefail
file=${1:?usage: read-methods.sh FILE [RUNS]}
runs=${2:-3}
weir=${WEIR:-$(dirname "$0")/../build/tools/weir}
methods=(read mmap)
rows=("cat")
for m in "${methods[@]}"; do
  rows+=("read $m" "decode $m" "default $m" "w1 $m")
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_row() {  # row -> appends "wall cpu" to $tmp/<row>
  local row=$1 kind m
  kind=${row% *}
  m=${row#* }
  local cmd
  case $kind in
    cat) cmd=(cat "$file") ;;
    read | decode) cmd=("$weir" -r "$file" -q --no-progress -w 1 --stop-after "$kind" --read-method "$m" -o /dev/null) ;;
    default) cmd=("$weir" -r "$file" -q --no-progress --read-method "$m" -o /dev/null) ;;
    w1) cmd=("$weir" -r "$file" -q --no-progress -w 1 --read-method "$m" -o /dev/null) ;;
  esac
  /usr/bin/time -f "%e %U %S" -o "$tmp/t" "${cmd[@]}" > /dev/null
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$tmp/t" >> "$tmp/${row// /_}"
}

for ((r = 0; r < runs; ++r)); do
  for row in "${rows[@]}"; do run_row "$row"; done
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $file, $runs runs per row, interleaved; medians"
cat_wall=$(cut -d' ' -f1 "$tmp/cat" | median)
printf "%-16s %8s %8s %8s\n" row wall_s cpu_s x_cat
for row in "${rows[@]}"; do
  f="$tmp/${row// /_}"
  w=$(cut -d' ' -f1 "$f" | median)
  c=$(cut -d' ' -f2 "$f" | median)
  printf "%-16s %8.3f %8.3f %8.2f\n" "$row" "$w" "$c" "$(awk -v a="$cat_wall" -v b="$w" 'BEGIN {print a / b}')"
done

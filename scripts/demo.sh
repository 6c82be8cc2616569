#!/usr/bin/env bash
# The main job on a default capture weir generates itself: builds weir, writes a mixed
# traffic capture (200k packets, with exact ground truth), meters it and shows flows.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
out=${WEIR_DEMO_DIR:-/tmp/weir-demo}
mkdir -p "$out"
./build/tools/weir gen --profile mixed -n 200000 --seed 1 -o "$out/mixed.pcap" --truth "$out/mixed"
./build/tools/weir -r "$out/mixed.pcap" -o "$out/flows.csv"
echo
echo "== $out/flows.csv: $(($(wc -l < "$out/flows.csv") - 1)) flow records (first 10, some columns) =="
head -11 "$out/flows.csv" | cut -d, -f1,4,6-10,15,19,20 | column -s, -t  # head first: no SIGPIPE
echo
echo "ground truth ($out/mixed.json): $(grep -o -m1 '"flows_bidirectional": [0-9]*' "$out/mixed.json" | head -1)"
# Flow by flow against the generator's ground truth (packets and bytes per direction).
python3 scripts/check_truth.py "$out/flows.csv" "$out/mixed.flows.tsv"

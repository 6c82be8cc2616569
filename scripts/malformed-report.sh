#!/usr/bin/env bash
# Runs weir on every capture in CAPTURES/malformed and prints a Markdown table: exit code,
# packets read, metered, not metered by reason, records written, and the error message.
# usage: scripts/malformed-report.sh [WEIR] [CAPTURES]   (defaults: build/tools/weir,
# $WEIR_CAPTURES or ../shared/captures). doc/malformed.md is this script's output.
set -uo pipefail
cd "$(dirname "$0")/.."
weir=${1:-build/tools/weir}
caps=${2:-${WEIR_CAPTURES:-../shared/captures}}
[ -d "$caps/malformed" ] || { echo "no $caps/malformed (set WEIR_CAPTURES)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| file | exit | read | metered | not metered (reasons) | records | message |"
echo "|---|---|---|---|---|---|---|"
for f in "$caps"/malformed/*; do
  rm -f "$tmp/s.json"
  timeout 60 "$weir" -r "$f" -o "$tmp/o.csv" -q --no-progress --stats-json "$tmp/s.json" 2>"$tmp/err"
  rc=$?
  python3 - "$f" "$rc" "$tmp/s.json" "$tmp/err" <<'PY'
import json, os, sys
f, rc, sj, err = sys.argv[1:]
msg = open(err).read().strip().replace("|", "\\|").replace("\n", " ")
try:
    s = json.load(open(sj))
    reasons = ", ".join(f"{k} {v}" for k, v in s["not_metered"].items() if v) or "-"
    print(f"| {os.path.basename(f)} | {rc} | {s['packets_read']} | {s['packets_metered']} | "
          f"{s['packets_not_metered']} ({reasons}) | {s['records_written']} | {msg or '-'} |")
except (OSError, ValueError):
    print(f"| {os.path.basename(f)} | {rc} | - | - | - | - | {msg or '-'} |")
PY
done

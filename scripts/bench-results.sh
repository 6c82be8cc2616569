#!/usr/bin/env bash
# Regenerates bench/RESULTS.md: every speed target of the benchmark issue, measured with
# `weir bench` on this machine, captures on tmpfs, baselines (cat, a libpcap loop,
# softflowd / nfpcapd / argus) in the same run. Takes ~10 minutes and ~8 GB of /dev/shm.
#   scripts/bench-results.sh            # build, install peers, measure, write the file
# Env: BUILD_DIR (default build), BENCH_DIR (default /dev/shm/weir-results),
#      RUNS (default 5), SHARED (default ../shared: flowgen.cc for bench_5M).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
dir=${BENCH_DIR:-/dev/shm/weir-results}
runs=${RUNS:-5}
shared=${SHARED:-../shared}
./scripts/build.sh >/dev/null
# The peers the harness compares with, when Debian has them (optional: rows are skipped).
if [ "$(id -u)" = 0 ] && ! command -v softflowd >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q softflowd nfdump argus-server >/dev/null || true
fi
weir="$build/tools/weir"
mkdir -p "$dir"

# 1. flowgen's bench_5M (the issue's reference workload), generated once on tmpfs.
if [ ! -f "$dir/bench_5M.pcap" ]; then
  if [ ! -f "$shared/bench/flowgen.cc" ]; then
    echo "bench-results: $shared/bench/flowgen.cc not found (set SHARED)" >&2
    exit 1
  fi
  g++ -O2 -std=c++17 -o "$dir/flowgen" "$shared/bench/flowgen.cc"
  (cd "$dir" && ./flowgen -o bench_5M.pcap -j bench_5M.json -f bench_5M.flows.tsv -n 5000000 >/dev/null)
fi
"$weir" bench "$dir/bench_5M.pcap" --runs "$runs" --dir "$dir" --json "$dir/bench_5M.bench.json" \
  | tee "$dir/bench_5M.txt"
# Per-flow exactness (not just counts) at full speed, two threads.
"$weir" -r "$dir/bench_5M.pcap" -w 1 --reader-thread -q --no-progress -o "$dir/b.csv"
"$weir" -r "$dir/bench_5M.pcap" -w 1 -d u -q --no-progress -o "$dir/u.csv"
"$weir" -r "$dir/bench_5M.pcap" -w 2 -q --no-progress -o "$dir/b2.csv"
{
  python3 scripts/check_truth.py "$dir/b.csv" "$dir/bench_5M.flows.tsv" -d b
  python3 scripts/check_truth.py "$dir/u.csv" "$dir/bench_5M.flows.tsv" -d u
  cmp "$dir/b.csv" "$dir/b2.csv" && echo "-w 1 --reader-thread and -w 2 outputs are byte-identical"
} | tee "$dir/exact.txt"

# 1b. What any two-way split of one file could reach here: two independent processes on
# the file's two halves, in parallel -- no coordination, no hand-over between threads,
# so an upper bound for a split done inside one weir. Runs interleaved, medians.
python3 scripts/split_pcap.py "$dir/bench_5M.pcap" 2 "$dir/half" >/dev/null
python3 - "$weir" "$dir" "$runs" > "$dir/split.json" <<'PY'
import json, statistics, subprocess, sys, time
weir, d, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
full, halves = f"{d}/bench_5M.pcap", [f"{d}/half.0.pcap", f"{d}/half.1.pcap"]
def w(*args): return [weir, "-q", "--no-progress", "-o", "/dev/null", *args]
rows = {
    "cat FILE": [["cat", full]],
    "cat half.0 & cat half.1": [["cat", h] for h in halves],
    "weir -w 1 -r half.0 & weir -w 1 -r half.1": [w("-w", "1", "-r", h) for h in halves],
    "weir -w 1 -r FILE": [w("-w", "1", "-r", full)],
    "weir -w 1 --reader-thread -r FILE": [w("-w", "1", "--reader-thread", "-r", full)],
}
def parallel(cmds):
    t = time.monotonic()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in cmds]
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"split experiment: {' '.join(p.args)} failed")
    return time.monotonic() - t
walls = {name: [] for name in rows}
for _ in range(runs):
    for name, cmds in rows.items():
        walls[name].append(parallel(cmds))
json.dump({name: statistics.median(v) for name, v in walls.items()}, sys.stdout, indent=1)
PY
rm -f "$dir"/half.*.pcap

# 2. weir gen profiles.

# The peers take minutes per run on these (argus: ~200 s on linerate): bench_5M has them.
"$weir" bench --profile linerate -n 20000000 --runs 3 --dir "$dir" --json "$dir/linerate.bench.json" --no-peers \
  | tee "$dir/linerate.txt"
"$weir" bench --profile churn -n 10000000 --runs 3 --dir "$dir" --json "$dir/churn.bench.json" --no-stages --no-peers \
  | tee "$dir/churn.txt"
# Churn with timeouts short enough that flows are created *and expired* during the run.
"$weir" bench --profile churn -n 10000000 --runs 3 --dir "$dir" --json "$dir/churn-expire.bench.json" \
  --no-stages --no-baselines -- --idle-timeout 0.05 --tcp-close-grace 0.01 | tee "$dir/churn-expire.txt"
for w in "1" "1 --reader-thread" "2"; do
  # shellcheck disable=SC2086
  "$weir" -r "$dir/churn-10000000.pcap" -w $w --idle-timeout 0.05 --tcp-close-grace 0.01 \
    --max-flows 4000000 -o /dev/null --no-progress --stats-json "$dir/churn-expire-$w.json" 2>/dev/null
done

python3 - "$dir" "$runs" > bench/RESULTS.md <<'PY'
import json, os, platform, subprocess, sys
d, runs = sys.argv[1], sys.argv[2]
def load(n): return json.load(open(os.path.join(d, n)))
def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"): return line.split(":", 1)[1].strip()
    return "?"
mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
def table(b):
    out = ["| row | wall s (median) | Mpps | ns/pkt | Gbps | flows/s | peak RSS MB | x cat | best weir is N x faster | dropped | exactness |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in b["rows"]:
        wx = f"{r['best_weir_speedup']:.1f}" if r.get("best_weir_speedup") else "-"
        dropped = str(r["not_metered"]) if r["name"].startswith("weir -w") else "-"
        out.append(f"| {r['name']} | {r['wall_s']:.3f} | {r['mpps']:.2f} | {r['ns_per_packet']:.1f} | {r['gbps']:.2f} | "
                   f"{r['flows_per_s']:.0f} | {r['peak_rss_mb']:.1f} | {r['ratio_to_cat']:.2f} | {wx} | {dropped} | {r['exactness']} |")
    return "\n".join(out)
def row(b, name):
    return next(r for r in b["rows"] if r["name"].startswith(name))
b5, lr, ch, ce = (load(n) for n in ("bench_5M.bench.json", "linerate.bench.json", "churn.bench.json",
                                    "churn-expire.bench.json"))
cat = row(b5, "cat")
w1, w1r, w2 = row(b5, "weir -w 1 -d"), row(b5, "weir -w 1 --reader-thread"), row(b5, "weir -w 2 -d")
lr_best = max((row(lr, 'weir -w 1 --reader'), row(lr, 'weir -w 2 -d')), key=lambda r: r['mpps'])
print(f"""# weir benchmark results

Generated by `scripts/bench-results.sh` on {b5['date']} — do not edit by hand.
Machine: {cpu()}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Linux {platform.release()}; captures on tmpfs
(`/dev/shm`); every row is the median of {b5['runs']} runs (profiles: 3) measured in one session with its
baselines. `x cat` = the row's packet rate / `cat FILE > /dev/null`'s packet rate in the same run. YAF is
not a Debian package and was not built here, so no row compares with it: `weir bench` adds a YAF row
when a `yaf` binary is on PATH. Peers measured in this run: softflowd, nfpcapd (argus when installed).

## Targets

| target | required | measured | met |
|---|---|---|---|
| bench_5M `-w 1` (one thread) | ≥ 0.60 × cat | {w1['ratio_to_cat']:.2f} × cat, {w1['mpps']:.2f} Mpps | {'yes' if w1['ratio_to_cat'] >= 0.6 else 'no'} |
| bench_5M two threads (`-w 1 --reader-thread`) | ≥ 1.0 × cat | {w1r['ratio_to_cat']:.2f} × cat, {w1r['mpps']:.2f} Mpps | {'yes' if w1r['ratio_to_cat'] >= 1.0 else 'no'} |
| bench_5M `-w 2` (reader + 2 workers, 2 cores) | — | {w2['ratio_to_cat']:.2f} × cat, {w2['mpps']:.2f} Mpps | — |
| bench_5M peak RSS | ≤ 150 MB | {max(w1['peak_rss_mb'], w1r['peak_rss_mb'], w2['peak_rss_mb']):.0f} MB | {'yes' if max(w1['peak_rss_mb'], w1r['peak_rss_mb'], w2['peak_rss_mb']) <= 150 else 'no'} |
| native flow state | ≤ 256 B per active flow | 256 B (`static_assert(sizeof(FlowState) == 256)`, flowtable/flow_state.hpp) | yes |
| bench_5M exact counts | 228,768 / 438,583 | {w1['exactness']}, {w1r['exactness']}, {w2['exactness']} (per flow: see below) | {'yes' if all(r['exactness'] == 'exact' for r in (w1, w1r, w2)) else 'no'} |
| linerate 20M on the 2 cores | ≥ 14.88 Mpps, exact | {lr_best['mpps']:.2f} Mpps with `{lr_best['name']}`, {lr_best['exactness']} | {'yes' if lr_best['mpps'] >= 14.88 and lr_best['exactness'] == 'exact' else 'no'} |""")
exp = {}
for w in ("1", "1 --reader-thread", "2"):
    s = load(f"churn-expire-{w}.json")
    expired = sum(v for k, v in s["records"].items() if k != "eof")
    exp[w] = (expired, s["elapsed_s"], s["workers"])
e1, er = exp["1"], exp["1 --reader-thread"]
print(f"| churn: flows created and expired per second per worker | ≥ 1M | {er[0]/er[1]/1e6:.2f} M/s for the one worker of `-w 1 --reader-thread`; "
      f"{e1[0]/e1[1]/1e6:.2f} M/s with `-w 1` (reading and decoding in the same thread) | "
      f"{'yes (worker thread)' if er[0]/er[1] >= 1e6 else 'no'}{'' if e1[0]/e1[1] >= 1e6 else '; not with -w 1'} |")
print(f"""
## bench_5M (flowgen, {b5['packets']:,} packets, {b5['file_bytes']/1e9:.2f} GB), `-d b`, CSV output

{table(b5)}

Per-flow exactness at full speed (`scripts/check_truth.py` against `bench_5M.flows.tsv`):

```
{open(os.path.join(d, 'exact.txt')).read().strip()}
```

## weir gen --profile linerate -n 20M (64-byte frames at 14.88 Mpps, ~2M flows live at the end)

{table(lr)}

## weir gen --profile churn -n 10M (default timeouts: every flow stays live until the end)

{table(ch)}

## churn with `--idle-timeout 0.05 --tcp-close-grace 0.01` (flows created and expired in the run)

{table(ce)}

| layout | records expired (idle + tcp_close) | elapsed s | expired flows/s per worker |
|---|---|---|---|""")
for w, (n, t, workers) in exp.items():
    print(f"| `-w {w}` | {n:,} | {t:.3f} | {n/t/workers/1e6:.2f} M |")
sp = load("split.json")
print(f"""
## Upper bound of a two-way split of one file (bench_5M, {runs} interleaved runs, medians)

`scripts/split_pcap.py` cuts bench_5M into two halves of 2.5M packets; two independent
processes then run in parallel on the 2 cores. Nothing is shared or handed over, so no
split of one file inside one weir (byte ranges, several readers) can beat the weir row.

| run | wall s | x cat |
|---|---|---|""")
for name, t in sp.items():
    print(f"| `{name}` | {t:.3f} | {sp['cat FILE'] / t:.2f} |")
print("""
## Where the time goes

See doc/performance.md: per-stage ns/packet (the `weir stage:` rows above), the profile of
each layout, why the two-thread and linerate targets are missed, and how the design scales.""")
PY
# Live capture (issue 9): the table of bench/live/run.sh (needs root and a veth; run it
# separately -- it replays into the kernel), copied here when it exists.
if [ -f bench/live/RESULTS.md ]; then
  { echo; echo "## Live capture (bench/live/run.sh: bench_500k replayed into a veth; from bench/live/RESULTS.md)"; echo
    sed -n '/^| receiver/,/^$/p' bench/live/RESULTS.md; } >> bench/RESULTS.md
fi
echo "wrote bench/RESULTS.md" >&2

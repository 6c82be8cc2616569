#!/usr/bin/env bash
# Live capture at the veth's top speed (issue 9, section 4): bench_500k replayed with
# `tcpreplay --topspeed` into a veth pair in a private network namespace; per backend,
# packets offered (tcpreplay's count), received, kernel drops, flows split across
# queues, and whether the per-flow packets and bytes received equal weir's file path on
# the same file (exact only when nothing was dropped). Baseline in the same run:
# `tcpdump -i wrx -w /dev/null` (libpcap default 2 MiB buffer, and -B 32768 = weir's).
#
#   bench/live/run.sh                     # RUNS=3, FILE=/dev/shm/wb/bench_500k.pcap
#   BUILD_DIR=build RUNS=5 FILE=... bench/live/run.sh
#
# Writes bench/live/RESULTS.md (CPU model on top, medians of RUNS, the commands). Needs
# root, tcpreplay, tcpdump, ethtool; the DPDK rows need a build with -Ddpdk=enabled.
# The receiver and tcpreplay share the machine's cores: other load makes it noisy.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
runs=${RUNS:-3}
file=${FILE:-/dev/shm/wb/bench_500k.pcap}
bin="$build/bench/live/live_bench"
out=bench/live/RESULTS.md
[ "$(id -u)" = 0 ] || { echo "bench/live: needs root" >&2; exit 1; }
[ -f "$file" ] || { echo "bench/live: $file not found (../shared/bench: flowgen -n 500000)" >&2; exit 1; }
for t in tcpreplay tcpdump ethtool; do
  command -v "$t" >/dev/null || { echo "bench/live: $t not found" >&2; exit 1; }
done
[ -x "$bin" ] || ninja -C "$build" bench/live/live_bench >/dev/null

ns="weir-bench-$$"
tmp=$(mktemp -d)
cleanup() { scripts/netns-veth.sh down "$ns"; rm -rf "$tmp"; }
trap cleanup EXIT
scripts/netns-veth.sh up "$ns"

eal="--no-huge --no-pci --no-shconf --no-telemetry -l 0 -m 1024 --log-level=notice"
afp_vdev="net_af_packet0,iface=wrx,qpairs=2,framecnt=32768"
specs=("pcap|-i wrx"
       "afpacket -w 1|-i afpacket:wrx -w 1"
       "afpacket -w 2 (host-pair fanout)|-i afpacket:wrx -w 2"
       "afpacket -w 2 --shard flow (PACKET_FANOUT_HASH)|-i afpacket:wrx -w 2 --shard flow")
if ! grep -q "WEIR_HAVE_DPDK 1" "$build/weir_config.h"; then
  echo "bench/live: built without DPDK: no dpdk rows" >&2
else
  specs+=("dpdk net_af_packet qpairs=2 -w 2|-i dpdk:net_af_packet0 -w 2 --eal '$eal --vdev=$afp_vdev'")
fi

replay() {  # prints tcpreplay's packet count and rate: "N PPS"
  ip netns exec "$ns" tcpreplay --topspeed -i wtx "$file" 2>&1 |
    awk '/Actual:/ {n = $2} /Rated:/ {r = $(NF-1)} END {printf "%s %.0f\n", n, r}'
}

: > "$tmp/rows"
for entry in "${specs[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  for r in $(seq "$runs"); do
    rm -f "$tmp/ready"
    eval "ip netns exec $ns $bin $args --compare $file --ready-file $tmp/ready --idle-exit-ms 2000" \
      > "$tmp/out.json" 2> "$tmp/err" &
    pid=$!
    for _ in $(seq 600); do [ -f "$tmp/ready" ] && break; sleep 0.05; done
    [ -f "$tmp/ready" ] || { cat "$tmp/err" >&2; kill "$pid"; exit 1; }
    read -r offered pps < <(replay)
    wait "$pid" || { cat "$tmp/err" >&2; exit 1; }
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["name"]=sys.argv[2]; d["offered"]=int(sys.argv[3]); d["offered_pps"]=int(sys.argv[4]); print(json.dumps(d))' \
      "$tmp/out.json" "$name" "$offered" "$pps" >> "$tmp/rows"
    echo "$name run $r: offered $offered, $(cut -c1-200 "$tmp/out.json")" >&2
  done
done

# The weir binary itself (capture, per-queue workers, merger, sink): what it received,
# dropped and metered, from its --stats-json; records in weir's binary format.
weir_bin="$build/tools/weir"
wspecs=("weir -i afpacket:wrx -w 2 -F bin|-i afpacket:wrx -w 2")
if grep -q "WEIR_HAVE_DPDK 1" "$build/weir_config.h"; then
  wspecs+=("weir -i dpdk qpairs=2 -w 2 -F bin|-i dpdk:net_af_packet0 -w 2 --eal '$eal --vdev=$afp_vdev'")
fi
for entry in "${wspecs[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  for r in $(seq "$runs"); do
    rm -f "$tmp/w.json"
    eval "exec ip netns exec $ns $weir_bin $args --no-progress --stats-interval 0.2 --stats-json $tmp/w.json -F bin -o $tmp/w.bin" \
      2> "$tmp/werr" &
    pid=$!
    for _ in $(seq 600); do [ -f "$tmp/w.json" ] && break; sleep 0.05; done
    read -r offered pps < <(replay)
    sleep 2
    kill -INT "$pid"
    wait "$pid" || { cat "$tmp/werr" >&2; exit 1; }
    /usr/bin/python3 - "$tmp/w.json" "$offered" "$name" "$pps" >> "$tmp/rows" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(json.dumps({"name": sys.argv[3], "offered": int(sys.argv[2]), "offered_pps": int(sys.argv[4]),
                  "received": d["packets_read"], "kernel_drops": d["kernel_drops"] + d["interface_drops"],
                  "weir_drops": d["weir_drops"], "metered": d["packets_metered"], "conserved": d["conserved"],
                  "queues": d["queues"] if isinstance(d["queues"], int) else len(d["queues"]), "flows_split": 0,
                  "exact": None, "receive_s": d["elapsed_s"]}))
PY
    echo "$name run $r: $(tail -1 "$tmp/rows")" >&2
  done
done

for buf in "" "-B 32768"; do
  for r in $(seq "$runs"); do
    # shellcheck disable=SC2086
    ip netns exec "$ns" tcpdump -i wrx -n -w /dev/null $buf 2> "$tmp/tcpdump.err" &
    pid=$!
    for _ in $(seq 600); do grep -q "listening on" "$tmp/tcpdump.err" && break; sleep 0.05; done
    read -r offered pps < <(replay)
    sleep 2
    kill -INT "$pid"
    wait "$pid" || true
    /usr/bin/python3 - "$tmp/tcpdump.err" "$offered" "tcpdump -i wrx -w /dev/null${buf:+ $buf}" "$pps" >> "$tmp/rows" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
num = lambda what: int(re.search(r"(\d+) packets? " + what, t).group(1))
print(json.dumps({"name": sys.argv[3], "offered": int(sys.argv[2]), "offered_pps": int(sys.argv[4]), "received": num("captured"),
                  "kernel_drops": num("dropped by kernel"), "queues": 1, "flows_split": 0,
                  "exact": None, "receive_s": 0}))
PY
    echo "tcpdump${buf:+ $buf} run $r: $(tail -1 "$tmp/rows")" >&2
  done
done

/usr/bin/python3 - "$tmp/rows" "$runs" "$file" "$out" <<'PY'
import json, os, platform, statistics, sys, datetime
rows = [json.loads(l) for l in open(sys.argv[1])]
runs, path, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
names = []
for r in rows:
    if r["name"] not in names: names.append(r["name"])
lines = [
    "# Live capture benchmark (issue 9, section 4)",
    "",
    f"Generated by `bench/live/run.sh` on {datetime.date.today()} -- do not edit by hand.",
    f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}. Workload: `{os.path.basename(path)}` "
    "replayed with `tcpreplay --topspeed -i wtx` into a veth pair (`scripts/netns-veth.sh`: own network "
    "namespace, IPv6 off, offloads off); receivers on `wrx`. Sender, kernel and receivers share the cores, "
    "and other jobs ran on the machine: figures are noisy; compare rows of this run only.",
    f"Each row: median of {runs} runs (by packets received); `exact` = per-flow packets, frame bytes and IP "
    "bytes received equal weir's file path (FileSource + Decoder) on the same file, in every run.",
    "weir rows are `bench/live/live_bench` (the sources driven directly: one thread per queue, rx_burst -> "
    "Decoder -> per-flow counters; weir drops nothing inside: there is no queue to overflow); `weir -i` rows are "
    "the weir binary (capture, per-queue workers, merger, binary sink) with its --stats-json: received, kernel "
    "drops, weir drops and whether received = metered + not metered held.",
    "",
    "| receiver | offered pkts | offered rate pps (tcpreplay) | received pkts | received % | kernel drops | flows split across queues | exact (runs) |",
    "|---|---|---|---|---|---|---|---|",
]
for n in names:
    rs = sorted((r for r in rows if r["name"] == n), key=lambda r: r["received"])
    m = rs[len(rs) // 2]
    ex = [r["exact"] for r in rs]
    exact = "n/a" if all(e is None for e in ex) else f"{sum(1 for e in ex if e)}/{len(ex)}"
    if "conserved" in m:
        exact = f"weir drops {m['weir_drops']}, conserved {sum(1 for r in rs if r['conserved'])}/{len(rs)}"
    lines.append(f"| {n} | {m['offered']:,} | {m.get('offered_pps', 0):,} | {m['received']:,} | {100*m['received']/max(1,m['offered']):.1f} | "
                 f"{m['kernel_drops']:,} | {m.get('flows_split', 0)} | {exact} |")
lines += ["", "Commands (per run):", "", "```",
          "scripts/netns-veth.sh up NS",
          "ip netns exec NS build/bench/live/live_bench -i SPEC [-w N] [--shard flow] [--eal ARGS] --compare FILE --idle-exit-ms 2000 &",
          "ip netns exec NS tcpreplay --topspeed -i wtx FILE",
          "ip netns exec NS tcpdump -i wrx -n -w /dev/null [-B 32768]   # baseline, stopped with SIGINT",
          "```", "", "Raw rows (JSON, one per run):", "", "```"]
lines += [json.dumps(r) for r in rows] + ["```", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines[:len(names) + 12]))
PY

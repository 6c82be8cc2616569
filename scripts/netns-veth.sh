#!/usr/bin/env bash
# A veth pair inside a network namespace, for live-capture tests and benchmarks: packets
# written to `wtx` (e.g. by tcpreplay) arrive on `wrx`, where weir captures. The kernel
# adds nothing of its own: IPv6 is off (no router solicitations, no DAD), no addresses,
# offloads off (no GRO merging segments, no checksum games), MTU 9200 (jumbo frames of
# real captures pass).
#
#   scripts/netns-veth.sh up NAME        # create netns NAME with wtx <-> wrx, both up
#   scripts/netns-veth.sh down NAME      # delete it (and the veths in it)
#   scripts/netns-veth.sh replay NAME FILE [tcpreplay options]   # inject FILE on wtx
#   scripts/netns-veth.sh reap           # delete weir-*-PID namespaces whose PID is gone
#
# Needs root (ip netns, ethtool). Test names end in the owning process id, so `up`
# first reaps namespaces left behind by a test that crashed.
set -euo pipefail

die() { echo "netns-veth: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found (Debian: apt-get install $2)"; }

reap() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    case "$ns" in
      weir-*-[0-9]*)
        pid=${ns##*-}
        if ! kill -0 "$pid" 2>/dev/null; then ip netns del "$ns" 2>/dev/null || true; fi
        ;;
    esac
  done
}

up() {
  local ns=$1
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
  need ip iproute2
  need ethtool ethtool
  reap
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  trap 'ip netns del "$ns" 2>/dev/null || true' ERR
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link add wtx type veth peer name wrx
  local dev feature
  for dev in wtx wrx; do
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
    ip -n "$ns" link set "$dev" mtu 9200
    # One feature at a time: a veth refuses some (fixed), and that is fine.
    for feature in rx tx sg tso gso gro lro rxvlan txvlan rx-gro-list rx-udp-gro-forwarding; do
      ip netns exec "$ns" ethtool -K "$dev" "$feature" off >/dev/null 2>&1 || true
    done
    ip -n "$ns" link set "$dev" up
  done
  trap - ERR
}

case "${1:-}" in
  up) [ $# -eq 2 ] || die "usage: $0 up NAME"; up "$2" ;;
  down) [ $# -eq 2 ] || die "usage: $0 down NAME"; ip netns del "$2" 2>/dev/null || true ;;
  replay)
    [ $# -ge 3 ] || die "usage: $0 replay NAME FILE [tcpreplay options]"
    need tcpreplay tcpreplay
    ns=$2 file=$3
    shift 3
    ip netns exec "$ns" tcpreplay -q -i wtx "$@" "$file"
    ;;
  reap) reap ;;
  *) die "usage: $0 up|down|replay|reap ..." ;;
esac

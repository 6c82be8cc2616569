#!/usr/bin/env bash
# Installs the Debian 12 packages weir builds with, if any is missing. Idempotent.
set -euo pipefail
# libdpdk-dev: the DPDK capture backend (-Ddpdk=enabled; PMDs net_pcap, net_af_packet).
# iproute2, ethtool, tcpreplay: the live-capture tests (veth in a network namespace);
# tcpdump: the baseline of bench/live/run.sh.
pkgs=(g++ meson ninja-build pkg-config libpcap-dev libxxhash-dev libconcurrentqueue-dev
      libgtest-dev libbenchmark-dev python3 zlib1g-dev libzstd-dev liburing-dev
      # exporters' interoperability tests: nfcapd/nfdump, tshark, libfixbuf
      nfdump tshark libfixbuf-dev
      zlib1g-dev librdkafka-dev   # flow-tools files, kafka://
      softflowd                   # collector interop tests
      python3-dev pybind11-dev python3-numpy python3-pandas   # import weir (python/)
      python3-scipy               # --compat pyflowmeter: skewness/kurtosis checked against scipy
      libdpdk-dev iproute2 ethtool tcpreplay tcpdump)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "weir: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

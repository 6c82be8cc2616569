// SPDX-License-Identifier: Apache-2.0
#include "capture/capture_registry.hpp"

#include <algorithm>

#include "capture/live/afpacket_source.hpp"
#include "capture/live/pcap_source.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "capture/shard_source.hpp"
#include "weir_config.h"
#if WEIR_HAVE_DPDK
#include "capture/live/dpdk_source.hpp"
#endif

namespace weir {

namespace {

// One source; with queues > 1, one shard per queue, each reading the files itself.
Status open_files(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  FileSourceConfig fcfg;
  fcfg.paths = spec.files;
  fcfg.method = spec.read_method;
  fcfg.stop = spec.stop;
  const uint32_t n = std::max(1u, spec.queues);
  for (uint32_t q = 0; q < n; ++q) {
    std::unique_ptr<PacketSource> src;
    if (Status s = open_file_source(fcfg, src); !s) return std::move(s).at(Origin::input);
    out.push_back(n == 1 ? std::move(src) : make_shard_source(std::move(src), q, n));
  }
  return Status::ok();
}

}  // namespace

const std::vector<CaptureBackend>& capture_backends() {
  static const std::vector<CaptureBackend> backends = {
      {"file", "", false, open_files},
      {"pcap", "", true, open_pcap_live},
      {"afpacket", "afpacket:", true, open_afpacket},
#if WEIR_HAVE_DPDK
      {"dpdk", "dpdk:", true, open_dpdk},
#endif
  };
  return backends;
}

Status open_capture(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  out.clear();
  if (!spec.files.empty()) return capture_backends().front().open(spec, out);
  const std::string& i = spec.interface;
  const CaptureBackend* fallback = nullptr;
  for (const CaptureBackend& b : capture_backends()) {
    if (!b.live) continue;
    const std::string p = b.prefix;
    if (p.empty()) {
      fallback = &b;
    } else if (i.compare(0, p.size(), p) == 0) {
      // The backend sees the interface without its prefix.
      CaptureSpec s = spec;
      s.interface = i.substr(p.size());
      return b.open(s, out);
    }
  }
  if (i.compare(0, 5, "dpdk:") == 0) {
    return {Errc::unsupported, Origin::config,
            "-i " + i + ": this weir was built without DPDK (meson setup -Ddpdk=enabled)"};
  }
  if (fallback) return fallback->open(spec, out);
  return {Errc::unsupported, Origin::config,
          "live capture (-i " + i + ") is not built into this weir"};
}

void close_capture_backends() noexcept {
#if WEIR_HAVE_DPDK
  dpdk_cleanup();
#endif
}

}  // namespace weir

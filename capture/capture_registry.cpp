// SPDX-License-Identifier: Apache-2.0
#include "capture/capture_registry.hpp"

#include <algorithm>

#include "capture/pcap_file/file_source.hpp"
#include "capture/shard_source.hpp"

namespace weir {

namespace {

// One source; with queues > 1, one shard per queue, each reading the files itself.
Status open_files(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  FileSourceConfig fcfg;
  fcfg.paths = spec.files;
  fcfg.method = spec.read_method;
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
      return b.open(spec, out);
    }
  }
  if (fallback) return fallback->open(spec, out);
  return {Errc::unsupported, Origin::config,
          "live capture (-i " + i + ") is not built into this weir"};
}

}  // namespace weir

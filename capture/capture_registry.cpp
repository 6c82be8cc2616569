// SPDX-License-Identifier: Apache-2.0
#include "capture/capture_registry.hpp"

#include "capture/pcap_file/file_source.hpp"

namespace weir {

namespace {

Status open_files(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  FileSourceConfig fcfg;
  fcfg.paths = spec.files;
  std::unique_ptr<PacketSource> src;
  if (Status s = open_file_source(fcfg, src); !s) return std::move(s).at(Origin::input);
  out.push_back(std::move(src));
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

// SPDX-License-Identifier: Apache-2.0
// THROWAWAY until the shared capture/pcap_file/pcap_writer.hpp (branch io) lands on
// main: the subset of its PcapWriter API that packet extraction uses (classic pcap, ns
// or µs, one link type; pcapng is not in the stub). Replace the alias in
// packet_extract.cpp and delete this file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/base/common.hpp"

namespace weir {

enum class PcapFormat : uint8_t { pcap_us, pcap_ns, pcapng };

struct PcapWriterConfig {
  PcapFormat format = PcapFormat::pcap_ns;
  uint32_t linktype = 1;
  uint32_t snaplen = 262144;
};

class PcapWriter {
 public:
  ~PcapWriter() {
    if (f_ && f_ != stdout) std::fclose(f_);
  }
  Status open(const std::string& path, const PcapWriterConfig& cfg) {
    if (cfg.format == PcapFormat::pcapng) return {Errc::unsupported, Origin::output, "pcapng output is not built yet"};
    f_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (!f_) return {Errc::io_error, Origin::output, "cannot create " + path};
    path_ = path;
    cfg_ = cfg;
    const uint32_t h[6] = {cfg.format == PcapFormat::pcap_ns ? 0xA1B23C4Du : 0xA1B2C3D4u, 0x00040002u, 0, 0,
                           cfg.snaplen, cfg.linktype};
    std::fwrite(h, 1, sizeof h, f_);
    return Status::ok();
  }
  Status interface_of(uint32_t linktype, uint32_t& id) {
    id = 0;
    if (linktype == cfg_.linktype) return Status::ok();
    return {Errc::unsupported, Origin::output, "classic pcap holds one link type"};
  }
  bool write(uint64_t ts_ns, const uint8_t* data, uint32_t cap_len, uint32_t wire_len, uint32_t = 0) noexcept {
    const uint32_t sub = static_cast<uint32_t>(ts_ns % 1'000'000'000);
    const uint32_t h[4] = {static_cast<uint32_t>(ts_ns / 1'000'000'000),
                           cfg_.format == PcapFormat::pcap_us ? sub / 1000 : sub, cap_len, wire_len};
    return std::fwrite(h, 1, sizeof h, f_) == sizeof h && std::fwrite(data, 1, cap_len, f_) == cap_len;
  }
  Status close() {
    if (!f_) return Status::ok();
    const bool ok = std::fflush(f_) == 0 && !std::ferror(f_);
    if (f_ != stdout) std::fclose(f_);
    f_ = nullptr;
    if (!ok) return {Errc::io_error, Origin::output, "cannot write " + path_};
    return Status::ok();
  }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  PcapWriterConfig cfg_;
};

}  // namespace weir

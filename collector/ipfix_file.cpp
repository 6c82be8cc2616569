// SPDX-License-Identifier: Apache-2.0
#include "collector/ipfix_file.hpp"

#include <vector>

#include "collector/ipfix_ie.hpp"
#include "exporters/detail/input_file.hpp"

namespace weir {

struct IpfixFileReader::Impl {
  detail::InputFile in;
  MessageDecoder dec;
  std::vector<uint8_t> msg = std::vector<uint8_t>(65536);
  uint64_t offset = 0;  // file offset of the next message
  uint64_t messages = 0;
  bool done = false;

  Status malformed(uint64_t at, const std::string& what) const {
    return {Errc::malformed, Origin::input, in.name() + ": " + what + " at byte " + std::to_string(at)};
  }
  // Anything the decoder could not decode makes the file bad.
  Status decoder_faults(uint64_t at) const {
    const DecodeCounters& c = dec.totals();
    if (c.malformed_total() == 0) return {};
    std::string why;
    for (std::size_t i = 0; i < kNumMalformed; ++i) {
      if (c.malformed[i] == 0) continue;
      if (!why.empty()) why += ", ";
      why += std::string(malformed_name(static_cast<Malformed>(i))) + " " + std::to_string(c.malformed[i]);
    }
    return malformed(at, "IPFIX message not decodable (" + why + ")");
  }
};

IpfixFileReader::IpfixFileReader() : impl_(std::make_unique<Impl>()) {}
IpfixFileReader::~IpfixFileReader() = default;

Status IpfixFileReader::open(const std::string& path) { return impl_->in.open(path); }
const MessageDecoder& IpfixFileReader::decoder() const noexcept { return impl_->dec; }
uint64_t IpfixFileReader::messages_read() const noexcept { return impl_->messages; }

Status IpfixFileReader::read_burst(std::vector<FlowRecord>& out) {
  Impl& m = *impl_;
  out.clear();
  const ExporterAddress file_source{};  // one exporter: the file
  while (out.empty() && !m.done) {
    std::size_t got = 0;
    if (Status s = m.in.read_full(m.msg.data(), ipfix::kIpfixHeaderBytes, got); !s) return s;
    if (got == 0) {
      m.done = true;
      m.dec.finish();
      if (m.messages == 0) return m.malformed(0, "empty file, not an IPFIX file");
      if (const uint64_t lost = m.dec.totals().sets_dropped; lost > 0)
        return {Errc::malformed, Origin::input,
                m.in.name() + ": " + std::to_string(lost) + " data sets whose template is not in the file"};
      return {};
    }
    const uint8_t* h = m.msg.data();
    const uint16_t version = static_cast<uint16_t>(h[0] << 8 | (got > 1 ? h[1] : 0));
    if (version != ipfix::kVersionIpfix) {
      m.done = true;
      return m.malformed(m.offset, m.messages == 0 ? "not an IPFIX file (version " + std::to_string(version) + ", not 10)"
                                                   : "message version " + std::to_string(version) + ", not 10");
    }
    if (got < ipfix::kIpfixHeaderBytes) {
      m.done = true;
      return m.malformed(m.offset, "truncated message header");
    }
    const uint16_t len = static_cast<uint16_t>(h[2] << 8 | h[3]);
    if (len < ipfix::kIpfixHeaderBytes) {
      m.done = true;
      return m.malformed(m.offset + 2, "message length " + std::to_string(len) + " below 16");
    }
    if (Status s = m.in.read_full(m.msg.data() + got, len - got, got); !s) return s;
    if (got < len - ipfix::kIpfixHeaderBytes) {
      m.done = true;
      return m.malformed(m.offset, "message of " + std::to_string(len) + " bytes truncated");
    }
    m.dec.decode(file_source, std::span<const uint8_t>(m.msg.data(), len), out);
    ++m.messages;
    if (Status s = m.decoder_faults(m.offset); !s) {
      m.done = true;
      return s;
    }
    m.offset += len;
  }
  return {};
}

Status read_ipfix_file(const std::string& path, std::vector<FlowRecord>& out) {
  out.clear();
  IpfixFileReader r;
  if (Status s = r.open(path); !s) return s;
  std::vector<FlowRecord> burst;
  for (;;) {
    Status s = r.read_burst(burst);
    out.insert(out.end(), burst.begin(), burst.end());
    if (!s || burst.empty()) return s;
  }
}

}  // namespace weir

// SPDX-License-Identifier: Apache-2.0
// IPFIX files (RFC 5655): a file is IPFIX messages back to back, each framed by its
// header's length field. The reader splits the file into messages and hands each to a
// MessageDecoder (the collector's, so a file and a UDP stream decode alike).
//
// A file must be clean: a message whose version is not 10, whose length is below 16 or
// runs past the end of the file, anything the decoder counts as malformed, and data
// sets whose template never came are errors (after the records decoded before them
// were delivered). Errors name the file and the byte offset of the message.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector/decoder.hpp"
#include "engine/base/common.hpp"

namespace weir {

inline constexpr uint8_t kIpfixFileMagic[2] = {0x00, 0x0A};  // version 10, big-endian

class IpfixFileReader {
 public:
  IpfixFileReader();
  ~IpfixFileReader();
  IpfixFileReader(const IpfixFileReader&) = delete;
  IpfixFileReader& operator=(const IpfixFileReader&) = delete;

  // Opens `path` ("-" = stdin).
  Status open(const std::string& path);
  // Decodes messages until at least one record is in `out` (cleared first) or the file
  // ends: `out` empty with ok = end of file, every check passed.
  Status read_burst(std::vector<FlowRecord>& out);
  const MessageDecoder& decoder() const noexcept;
  uint64_t messages_read() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole file; on error `out` holds the records read before the fault.
Status read_ipfix_file(const std::string& path, std::vector<FlowRecord>& out);

}  // namespace weir

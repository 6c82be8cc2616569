// SPDX-License-Identifier: Apache-2.0
// Reading weir binary flow files (doc/binary-format.md). Control-plane code for tools
// and tests: returns Status, never throws, one thread per reader.
//
// Everything is verified: magic, version, flags, the header checksum, the field table
// (fields are mapped by name, so any field order reads; unknown fields are skipped;
// every field this build knows must be present with its type), the record size, and,
// at the end, the trailer's record count and the XXH64 of all record bytes. Errors name
// the file and the byte offset: "flows.bin: truncated at byte 12345: trailer missing".
//
// Streaming: records are delivered before the trailer is checked (a file need not fit
// in memory). A consumer that must not act on unverified records collects them and
// acts only when read_burst() reports the end (n == 0, ok). Input "-" is stdin, and
// pipes work: the reader never seeks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

class FlowFileReader {
 public:
  FlowFileReader();
  ~FlowFileReader();
  FlowFileReader(const FlowFileReader&) = delete;
  FlowFileReader& operator=(const FlowFileReader&) = delete;

  // Opens `path` ("-" = stdin) and reads and checks the header.
  Status open(const std::string& path);
  bool bidirectional() const noexcept;
  uint64_t records_read() const noexcept;

  // Decodes up to out.size() records into out and sets n_out. n_out == 0 with an ok
  // Status: end of file, trailer verified. On error the reader is finished and n_out
  // records (if any) were decoded but belong to a file that failed verification.
  Status read_burst(std::span<FlowRecord> out, std::size_t& n_out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole file. On error `out` is cleared.
Status read_flow_file(const std::string& path, bool& bidirectional_out,
                      std::vector<FlowRecord>& out);

// Prints a binary flow file as CSV, byte-identical to what the CSV sink writes for the
// same records (it is the CSV sink). out_path_or_dash "-" = stdout; a file is written
// under a temporary name and only renamed into place once the input verified.
Status cat_flow_file(const std::string& in_path, const std::string& out_path_or_dash);

}  // namespace weir

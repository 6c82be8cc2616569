// SPDX-License-Identifier: Apache-2.0
// InputFile: a file or stdin read front to back in large read() calls, for the format
// readers (flow-tools, IPFIX files). Never seeks, so pipes work. One thread.
#pragma once

#include <cstddef>
#include <string>

#include "engine/base/common.hpp"

namespace weir::detail {

class InputFile {
 public:
  InputFile() = default;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // Opens `path` ("-" = stdin). Errors: not_found / io_error, origin input.
  Status open(const std::string& path);
  // Reads up to `cap` bytes; n_out == 0 means end of file.
  Status read(void* buf, std::size_t cap, std::size_t& n_out);
  // Reads until `cap` bytes or end of file.
  Status read_full(void* buf, std::size_t cap, std::size_t& n_out);
  // The path as given, or "<stdin>": the prefix of every error message.
  const std::string& name() const noexcept { return name_; }

 private:
  int fd_ = -1;
  bool own_ = false;
  std::string name_;
};

}  // namespace weir::detail

// SPDX-License-Identifier: Apache-2.0
#include "report/output.hpp"

#include <algorithm>
#include <cstring>

namespace weir::report {

Status Output::open(const std::string& path) {
  if (Status s = open_destination(path, DestinationOptions{}, file_); !s) err_ = std::move(s).at(Origin::output);
  return err_;
}

void Output::put(std::string_view s) {
  while (!s.empty() && err_) {
    const std::size_t n = std::min(s.size(), file_->max_message_bytes());
    if (Status st = file_->reserve(n); !st) {
      err_ = std::move(st).at(Origin::output);
      return;
    }
    std::memcpy(file_->cursor(), s.data(), n);
    file_->commit(n);
    s.remove_prefix(n);
  }
}

Status Output::flush() {
  if (err_ && file_) {
    if (Status s = file_->flush(); !s) err_ = std::move(s).at(Origin::output);
  }
  return err_;
}

Status Output::finish() {
  if (err_ && file_) {
    if (Status s = file_->finish(); !s) err_ = std::move(s).at(Origin::output);
  }
  return err_;
}

Status Output::error() const { return err_; }

}  // namespace weir::report

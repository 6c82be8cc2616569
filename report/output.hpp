// SPDX-License-Identifier: Apache-2.0
// Output: a text stream to a file or standard output over an exporters Destination (a file is
// written under a temporary name and renamed when complete; "-" is stdout). put() appends;
// flush() hands what was put to the kernel (the text report flushes once per interval,
// so a live report shows each interval as it ends). Errors are sticky and carry
// Origin::output.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "exporters/destination.hpp"

namespace weir::report {

class Output {
 public:
  Status open(const std::string& path);
  void put(std::string_view s);
  Status flush();
  Status finish();
  // The first error so far (ok when none).
  Status error() const;

 private:
  std::unique_ptr<Destination> file_;
  Status err_;
};

}  // namespace weir::report

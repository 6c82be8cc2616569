// SPDX-License-Identifier: Apache-2.0
#include "exporters/detail/input_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace weir::detail {

InputFile::~InputFile() {
  if (own_ && fd_ >= 0) ::close(fd_);
}

Status InputFile::open(const std::string& path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    name_ = "<stdin>";
    return {};
  }
  name_ = path;
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    return {err == ENOENT ? Errc::not_found : Errc::io_error, Origin::input,
            "open " + path + ": " + std::generic_category().message(err)};
  }
  own_ = true;
  return {};
}

Status InputFile::read(void* buf, std::size_t cap, std::size_t& n_out) {
  n_out = 0;
  for (;;) {
    const ssize_t r = ::read(fd_, buf, cap);
    if (r >= 0) {
      n_out = static_cast<std::size_t>(r);
      return {};
    }
    if (errno != EINTR)
      return {Errc::io_error, Origin::input, "read " + name_ + ": " + std::generic_category().message(errno)};
  }
}

Status InputFile::read_full(void* buf, std::size_t cap, std::size_t& n_out) {
  n_out = 0;
  auto* p = static_cast<char*>(buf);
  while (n_out < cap) {
    std::size_t got = 0;
    if (Status s = read(p + n_out, cap - n_out, got); !s) return s;
    if (got == 0) break;
    n_out += got;
  }
  return {};
}

}  // namespace weir::detail

// SPDX-License-Identifier: Apache-2.0
#include "capture/live/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace weir {

Status drop_privileges(const std::string& user) {
  if (user.empty()) return {Errc::invalid_argument, Origin::config, "-Z: no user name given"};
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pw{};
  passwd* found = nullptr;
  const int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || !found) {
    return {Errc::invalid_argument, Origin::config,
            "-Z " + user + ": no such user" + (rc ? std::string(" (") + std::strerror(rc) + ")" : "")};
  }
  if (getuid() == pw.pw_uid && geteuid() == pw.pw_uid && getgid() == pw.pw_gid) return Status::ok();
  auto failed = [&user](const char* step) {
    return Status{Errc::io_error, "-Z " + user + ": " + step + " failed: " + std::strerror(errno)};
  };
  if (initgroups(pw.pw_name, pw.pw_gid) != 0) return failed("initgroups");
  if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0) return failed("setgid");
  if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) return failed("setuid");
  // Paranoia (as tcpdump): being able to go back would mean the drop did not happen.
  if (pw.pw_uid != 0 && setuid(0) == 0) {
    return {Errc::io_error, "-Z " + user + ": root could be regained after setuid"};
  }
  return Status::ok();
}

}  // namespace weir

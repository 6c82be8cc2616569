// SPDX-License-Identifier: Apache-2.0
// -Z USER: after drop_privileges() the process is USER for good (real, effective and
// saved ids, USER's groups), root cannot be regained, a packet socket opened before
// still works and a new one cannot be opened. Runs in a forked child (the drop is
// irreversible).
#include "capture/live/privileges.hpp"

#include <grp.h>
#include <linux/if_ether.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <functional>

namespace weir {
namespace {

// Runs body in a child; the child's exit status is the number of failed checks.
int in_child(const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(DropPrivileges, BecomesTheUserForGoodAndKeepsOpenSockets) {
  if (geteuid() != 0) GTEST_SKIP() << "-Z test skipped: needs root (to have something to drop)";
  const passwd* nobody = getpwnam("nobody");
  if (!nobody) GTEST_SKIP() << "-Z test skipped: no user 'nobody'";
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;
  const int failures = in_child([uid, gid] {
    int bad = 0;
    const int before = socket(AF_PACKET, SOCK_RAW, 0);
    bad += before < 0;
    bad += !drop_privileges("nobody");
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    bad += r != uid || e != uid || s != uid;
    gid_t gr, ge, gs;
    getresgid(&gr, &ge, &gs);
    bad += gr != gid || ge != gid || gs != gid;
    gid_t groups[64];
    const int n = getgroups(64, groups);
    for (int i = 0; i < n; ++i) bad += groups[i] == 0;  // root's group is gone
    bad += setuid(0) == 0;                              // cannot go back
    bad += socket(AF_PACKET, SOCK_RAW, 0) >= 0;         // cannot open new captures
    int type = 0;
    socklen_t len = sizeof type;
    bad += getsockopt(before, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_RAW;
    return bad;
  });
  EXPECT_EQ(failures, 0);
}

TEST(DropPrivileges, AlreadyTheUserIsANoOpAndRootCannotBeTaken) {
  if (geteuid() != 0) GTEST_SKIP() << "-Z test skipped: needs root";
  const passwd* nobody = getpwnam("nobody");
  if (!nobody) GTEST_SKIP() << "-Z test skipped: no user 'nobody'";
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;
  const int failures = in_child([uid, gid] {
    int bad = 0;
    bad += setgroups(0, nullptr) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0;
    bad += !drop_privileges("nobody");  // nothing to do
    const Status s = drop_privileges("root");
    bad += s || s.message.find("failed") == std::string::npos;
    return bad;
  });
  EXPECT_EQ(failures, 0);
}

TEST(DropPrivileges, UnknownUserIsAConfigError) {
  const Status s = drop_privileges("weir-no-such-user");
  EXPECT_EQ(s.code, Errc::invalid_argument);
  EXPECT_EQ(s.origin, Origin::config);
  EXPECT_NE(s.message.find("no such user"), std::string::npos) << s.message;
  EXPECT_EQ(drop_privileges("").code, Errc::invalid_argument);
}

}  // namespace
}  // namespace weir

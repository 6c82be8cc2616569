// SPDX-License-Identifier: Apache-2.0
#include "report/target.hpp"

#include <arpa/inet.h>

#include <cstdlib>

namespace weir::report {

Status Target::parse(const std::string& text, Target& out) {
  out = Target{};
  if (text.empty()) return Status::ok();
  const auto bad = [&](const std::string& why) {
    return Status{Errc::invalid_argument, Origin::config,
                  "--target: " + why + " in '" + text + "' (expected ADDR or ADDR/LEN, IPv4 or IPv6)"};
  };
  const std::size_t slash = text.find('/');
  const std::string addr = text.substr(0, slash);
  Target t;
  if (inet_pton(AF_INET, addr.c_str(), t.net_.data()) == 1) {
    t.ip_version_ = 4;
  } else if (inet_pton(AF_INET6, addr.c_str(), t.net_.data()) == 1) {
    t.ip_version_ = 6;
  } else {
    return bad("not an IPv4 or IPv6 address");
  }
  const unsigned max_bits = t.ip_version_ == 4 ? 32 : 128;
  unsigned bits = max_bits;
  if (slash != std::string::npos) {
    const std::string len = text.substr(slash + 1);
    char* end = nullptr;
    const unsigned long v = std::strtoul(len.c_str(), &end, 10);
    if (len.empty() || *end || len[0] == '-' || len[0] == '+' || v > max_bits)
      return bad("prefix length must be 0.." + std::to_string(max_bits));
    bits = static_cast<unsigned>(v);
  }
  t.prefix_bits_ = static_cast<uint8_t>(bits);
  for (unsigned i = 0; i < 16; ++i) {  // mask the host bits, as "net" in tcpdump does
    const unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;
    t.net_[i] &= static_cast<uint8_t>(keep ? 0xFF << (8 - keep) : 0);
  }
  out = t;
  return Status::ok();
}

bool Target::contains(uint8_t ip_version, const uint8_t* addr) const noexcept {
  if (ip_version_ == 0) return true;
  if (ip_version != ip_version_) return false;
  const unsigned full = prefix_bits_ / 8, rest = prefix_bits_ % 8;
  for (unsigned i = 0; i < full; ++i)
    if (addr[i] != net_[i]) return false;
  if (rest == 0) return true;
  const auto m = static_cast<uint8_t>(0xFF << (8 - rest));
  return (addr[full] & m) == net_[full];
}

std::string Target::str() const {
  if (ip_version_ == 0) return "";
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(ip_version_ == 4 ? AF_INET : AF_INET6, net_.data(), buf, sizeof buf);
  std::string s = buf;
  if (prefix_bits_ != (ip_version_ == 4 ? 32 : 128)) {
    s += '/';
    s += std::to_string(prefix_bits_);
  }
  return s;
}

}  // namespace weir::report

// SPDX-License-Identifier: Apache-2.0
#include "capture/live/kernel_filter.hpp"

#include <pcap/pcap.h>

#include <cstring>

#include "capture/live/pcap_errors.hpp"

namespace weir {

Status compile_kernel_filter(const std::string& interface, const std::string& expression,
                             uint32_t snaplen, std::vector<sock_filter>& out) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(interface.c_str(), errbuf);
  if (!p) return {Errc::io_error, Origin::input, "cannot open " + interface + ": " + errbuf};
  // The smallest handle that is live: no promiscuous mode, a small ring, closed below.
  pcap_set_snaplen(p, static_cast<int>(snaplen));
  pcap_set_promisc(p, 0);
  pcap_set_buffer_size(p, 64 * 1024);
  pcap_set_immediate_mode(p, 1);
  if (int rc = pcap_activate(p); rc < 0) {
    Status s = pcap_activate_error(p, rc, interface);
    pcap_close(p);
    return s;
  }
  bpf_program prog{};
  if (pcap_compile(p, &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    Status s{Errc::invalid_argument, Origin::config,
             "bad filter expression '" + expression + "': " + pcap_geterr(p)};
    pcap_close(p);
    return s;
  }
  out.resize(prog.bf_len);
  static_assert(sizeof(sock_filter) == sizeof(bpf_insn));
  std::memcpy(out.data(), prog.bf_insns, prog.bf_len * sizeof(sock_filter));
  pcap_freecode(&prog);
  pcap_close(p);
  return Status::ok();
}

}  // namespace weir

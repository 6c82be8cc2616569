// SPDX-License-Identifier: Apache-2.0
#include "capture/bpf_filter.hpp"

#include <pcap/pcap.h>

namespace weir {

struct BpfFilter::Program {
  uint32_t linktype = 0;
  bool ok = false;
  bpf_program prog{};
  ~Program() {
    if (ok) pcap_freecode(&prog);
  }
};

namespace {

bool compile(const std::string& expr, uint32_t linktype, bpf_program& prog, std::string* err) {
  pcap_t* p = pcap_open_dead(static_cast<int>(linktype), 262144);
  if (!p) {
    if (err) *err = "cannot create a libpcap handle";
    return false;
  }
  const int rc = pcap_compile(p, &prog, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN);
  if (rc != 0 && err) *err = pcap_geterr(p);
  pcap_close(p);
  return rc == 0;
}

}  // namespace

Status BpfFilter::create(const std::string& expression, std::unique_ptr<BpfFilter>& out) {
  bpf_program prog{};
  std::string err;
  if (!compile(expression, 1, prog, &err)) {
    return {Errc::invalid_argument, "bad filter expression '" + expression + "': " + err};
  }
  pcap_freecode(&prog);
  out.reset(new BpfFilter());
  out->expression_ = expression;
  return Status::ok();
}

BpfFilter::~BpfFilter() = default;

const BpfFilter::Program* BpfFilter::program_for(uint32_t linktype) noexcept {
  for (int i = 0; i < n_programs_; ++i) {
    if (programs_[i]->linktype == linktype) return programs_[i].get();
  }
  if (n_programs_ == kMaxLinktypes) return nullptr;
  // First frame of this link type: compile (control-plane work, once per link type).
  auto p = std::make_unique<Program>();
  p->linktype = linktype;
  p->ok = compile(expression_, linktype, p->prog, nullptr);
  programs_[n_programs_] = std::move(p);
  return programs_[n_programs_++].get();
}

bool BpfFilter::match(const PacketView& pv) noexcept {
  const Program* p = program_for(pv.linktype);
  if (!p || !p->ok) {
    ++compile_failures_;
    return false;
  }
  return bpf_filter(p->prog.bf_insns, pv.data, pv.wire_len, pv.cap_len) != 0;
}

}  // namespace weir

// SPDX-License-Identifier: Apache-2.0
// BpfFilter: a tcpdump-style filter expression, compiled by libpcap for each link type
// the input carries (pcapng files can mix them) and run with bpf_filter() on each frame.
// Compilation is control-plane work done the first time a link type is seen; matching
// is allocation-free. libpcap types stay inside bpf_filter.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/base/common.hpp"
#include "engine/base/packet_view.hpp"

namespace weir {

class BpfFilter {
 public:
  // Checks that the expression compiles (for Ethernet); the message is libpcap's.
  static Status create(const std::string& expression, std::unique_ptr<BpfFilter>& out);
  ~BpfFilter();
  BpfFilter(const BpfFilter&) = delete;
  BpfFilter& operator=(const BpfFilter&) = delete;

  // True if the frame passes. A link type the expression cannot be compiled for
  // (libpcap says so) matches nothing, and is counted in compile_failures().
  bool match(const PacketView& pv) noexcept;
  uint64_t compile_failures() const noexcept { return compile_failures_; }

 private:
  BpfFilter() = default;
  struct Program;
  const Program* program_for(uint32_t linktype) noexcept;

  std::string expression_;
  static constexpr int kMaxLinktypes = 8;
  std::unique_ptr<Program> programs_[kMaxLinktypes];
  int n_programs_ = 0;
  uint64_t compile_failures_ = 0;
};

}  // namespace weir

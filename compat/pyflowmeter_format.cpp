// SPDX-License-Identifier: Apache-2.0
// PyFlowMeter's rows from FlowRecords (doc/pyflowmeter.md). Pure functions.
#include <charconv>
#include <cmath>
#include <cstring>

#include "compat/pyflowmeter_profile.hpp"

#include "compat/python_float.hpp"

namespace weir::compat {

namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

char* put(std::string_view s, char* out) noexcept {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

// Python's str(float), how PyFlowMeter wrote every float (compat/python_float.hpp).
char* py_float(double v, char* out) noexcept { return out + python_float(v, out); }

char* put_u64(uint64_t v, char* out) noexcept {
  return std::to_chars(out, out + 20, v).ptr;
}

// Frame sizes (bytes; min/max printed as integers, as the tool's ints were).
char* put_sizes(const DirStats& d, char* out) noexcept {
  if (d.packets == 0) return put("0.0,0.0,nan,nan,0,0", out);
  out = py_float(d.l2_len_mean_bytes, out);
  *out++ = ',';
  out = py_float(d.l2_len_stddev_bytes, out);
  *out++ = ',';
  out = py_float(d.l2_len_skewness, out);
  *out++ = ',';
  out = py_float(d.l2_len_kurtosis, out);
  *out++ = ',';
  out = put_u64(d.l2_len_min_bytes, out);
  *out++ = ',';
  return put_u64(d.l2_len_max_bytes, out);
}

// Inter-arrival times of one direction, in seconds.
char* put_iats(const DirStats& d, char* out) noexcept {
  if (d.packets < 2) return put("0.0,0.0,nan,nan,0.0,0.0", out);
  // mean, std, skewness, kurtosis, min, max: the tool's order.
  const double six[] = {d.iat_mean_ns / 1e9, d.iat_stddev_ns / 1e9, d.iat_skewness,
                        d.iat_kurtosis,      static_cast<double>(d.iat_min_ns) / 1e9,
                        static_cast<double>(d.iat_max_ns) / 1e9};
  for (const double v : six) {
    out = py_float(v, out);
    *out++ = ',';
  }
  return out - 1;
}

// FIN SYN RST PUSH ACK URG CWE(=CWR) ECE: the tool's names, the flags they name.
constexpr std::array<uint8_t, 8> kToolFlagBits = {0, 1, 2, 3, 4, 5, 7, 6};

char* put_flags(const DirStats& d, char* out) noexcept {
  for (std::size_t i = 0; i < 8; ++i) {
    out = put_u64(d.tcp_flag_count[kToolFlagBits[i]], out);
    *out++ = ',';
  }
  return out - 1;
}

}  // namespace

const std::array<std::string_view, kPyFlowMeterColumns>& pyflowmeter_columns() {
  static const std::array<std::string_view, kPyFlowMeterColumns> cols = {
      "duration", "protocol", "src_port", "dst_port", "fwd_tot_pkt", "fwd_tot_byte",
      "bwd_tot_pkt", "bwd_tot_byte",
      "fwd_pkt_size_mean", "fwd_pkt_size_std", "fwd_pkt_size_skewness",
      "fwd_pkt_size_kurtosis", "fwd_pkt_size_min", "fwd_pkt_size_max",
      "bwd_pkt_size_mean", "bwd_pkt_size_std", "bwd_pkt_size_skewness",
      "bwd_pkt_size_kurtosis", "bwd_pkt_size_min", "bwd_pkt_size_max",
      "fwd_iat_mean", "fwd_iat_std", "fwd_iat_skewness", "fwd_iat_kurtosis", "fwd_iat_min",
      "fwd_iat_max",
      "bwd_iat_mean", "bwd_iat_std", "bwd_iat_skewness", "bwd_iat_kurtosis", "bwd_iat_min",
      "bwd_iat_max",
      "fwd_FIN_cnt", "fwd_SYN_cnt", "fwd_RST_cnt", "fwd_PUSH_cnt", "fwd_ACK_cnt", "fwd_URG_cnt",
      "fwd_CWE_cnt", "fwd_ECE_cnt",
      "bwd_FIN_cnt", "bwd_SYN_cnt", "bwd_RST_cnt", "bwd_PUSH_cnt", "bwd_ACK_cnt", "bwd_URG_cnt",
      "bwd_CWE_cnt", "bwd_ECE_cnt"};
  return cols;
}

std::string pyflowmeter_header() {
  std::string h;
  for (const std::string_view c : pyflowmeter_columns()) {
    if (!h.empty()) h += ',';
    h += c;
  }
  return h + '\n';
}

bool pyflowmeter_carries(const FlowRecord& r) noexcept {
  return r.proto == kProtoTcp || r.proto == kProtoUdp;
}

std::size_t format_pyflowmeter_row(const FlowRecord& r, char* out) noexcept {
  char* const begin = out;
  const DirStats& f = r.dir[0];
  const DirStats& b = r.dir[1];
  out = py_float(static_cast<double>(r.end_ns - r.start_ns) / 1e9, out);
  out = put(r.proto == kProtoTcp ? ",TCP," : ",UDP,", out);
  out = put_u64(r.src_port, out);
  *out++ = ',';
  out = put_u64(r.dst_port, out);
  for (const DirStats* d : {&f, &b}) {
    *out++ = ',';
    out = put_u64(d->packets, out);
    *out++ = ',';
    out = put_u64(d->l2_bytes, out);
  }
  *out++ = ',';
  out = put_sizes(f, out);
  *out++ = ',';
  out = put_sizes(b, out);
  *out++ = ',';
  out = put_iats(f, out);
  *out++ = ',';
  out = put_iats(b, out);
  *out++ = ',';
  out = put_flags(f, out);
  *out++ = ',';
  out = put_flags(b, out);
  *out++ = '\n';
  return static_cast<std::size_t>(out - begin);
}

}  // namespace weir::compat

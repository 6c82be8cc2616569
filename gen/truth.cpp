// SPDX-License-Identifier: Apache-2.0
#include "gen/detail/truth.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace weir::gen {

namespace {

constexpr size_t kTextBufferBytes = size_t{1} << 20;
constexpr size_t kMaxRowBytes = 512;

char* put_u64(char* p, uint64_t v) noexcept { return std::to_chars(p, p + 20, v).ptr; }

char* put_ip(char* p, const uint8_t* a, bool v6) noexcept {
  if (v6) {
    char s[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a, s, sizeof s);  // RFC 5952 form
    const size_t n = std::strlen(s);
    std::memcpy(p, s, n);
    return p + n;
  }
  for (int i = 0; i < 4; ++i) {
    if (i) *p++ = '.';
    p = put_u64(p, a[i]);
  }
  return p;
}

void json_class(std::string& j, const char* name, const GenClassTotals& c, bool last) {
  char b[320];
  std::snprintf(b, sizeof b,
                "    \"%s\": {\"flows_bidirectional\": %llu, \"flows_unidirectional\": %llu, "
                "\"packets\": %llu, \"frame_bytes\": %llu, \"ip_bytes\": %llu}%s\n",
                name, static_cast<unsigned long long>(c.flows_bidirectional),
                static_cast<unsigned long long>(c.flows_unidirectional),
                static_cast<unsigned long long>(c.packets),
                static_cast<unsigned long long>(c.frame_bytes),
                static_cast<unsigned long long>(c.ip_bytes), last ? "" : ",");
  j += b;
}

}  // namespace

Truth::~Truth() {
  if (tsv_ != nullptr) std::fclose(tsv_);
}

Status Truth::open(const std::string& prefix, const Addressing* addr) {
  prefix_ = prefix;
  addr_ = addr;
  if (prefix.empty()) return Status::ok();
  const std::string path = prefix + ".flows.tsv";
  tsv_ = std::fopen(path.c_str(), "wb");
  if (tsv_ == nullptr) return {Errc::io_error, "cannot create " + path + ": " + std::strerror(errno)};
  text_.reset(new char[kTextBufferBytes]);
  static constexpr char kHeader[] =
      "proto\tvlan\tclient\tcport\tserver\tsport\tpkts_c2s\tpkts_s2c\tl2_bytes_c2s\tl2_bytes_s2c\t"
      "ip_bytes_c2s\tip_bytes_s2c\tfirst_ns\tlast_ns\ttcp_end\n";
  std::memcpy(text_.get(), kHeader, sizeof kHeader - 1);
  text_pos_ = sizeof kHeader - 1;
  return Status::ok();
}

void Truth::flush_text() noexcept {
  if (text_pos_ > 0 && !tsv_failed_ && std::fwrite(text_.get(), 1, text_pos_, tsv_) != text_pos_) {
    tsv_failed_ = true;
  }
  text_pos_ = 0;
}

void Truth::retire(uint32_t slot, const Flow& f) noexcept {
  const uint8_t dirs = f.wrote & (kWroteC2s | kWroteS2c);
  if (dirs == 0) return;
  const uint64_t uni = dirs == (kWroteC2s | kWroteS2c) ? 2 : 1;
  add_flow(t_.all, uni);
  add_flow(f.proto == 6 ? t_.tcp : f.proto == 17 ? t_.udp : t_.icmp, uni);
  add_flow(f.v6() ? t_.ipv6 : t_.ipv4, uni);
  if (f.vlan) add_flow(t_.vlan, uni);
  if (f.wrote & kWroteFirst) ++t_.flows_started;
  if (f.proto == 6) {
    if (f.wrote & kWroteSyn) ++t_.tcp_syn_seen;
    if (f.wrote & kWroteRst) ++t_.tcp_end_rst;
    else if ((f.wrote & (kWroteFinC | kWroteFinS)) == (kWroteFinC | kWroteFinS)) ++t_.tcp_end_fin;
    else ++t_.tcp_end_open;
  }
  if (tsv_ != nullptr) write_row(slot, f);
}

void Truth::write_row(uint32_t slot, const Flow& f) noexcept {
  if (text_pos_ + kMaxRowBytes > kTextBufferBytes) flush_text();
  const FlowTruth& r = rows_[slot];
  const Addressing::Client cl = addr_->client_of(f.serial);
  const bool icmp = f.proto == 1 || f.proto == 58;
  uint8_t a[16];
  char* p = text_.get() + text_pos_;
  auto tab = [&p] { *p++ = '\t'; };
  p = put_u64(p, f.proto);
  tab();
  p = put_u64(p, f.vlan);
  tab();
  addr_->client_ip(cl.index, f.v6(), a);
  p = put_ip(p, a, f.v6());
  tab();
  p = put_u64(p, cl.port);
  tab();
  addr_->server_ip(f.server, f.v6(), a);
  p = put_ip(p, a, f.v6());
  tab();
  p = put_u64(p, icmp ? cl.port : f.sport);
  for (uint64_t v : {r.pkts[0], r.pkts[1], r.l2_bytes[0], r.l2_bytes[1], r.ip_bytes[0],
                     r.ip_bytes[1], r.first_ns, r.last_ns}) {
    tab();
    p = put_u64(p, v);
  }
  tab();
  const char* end = "none";
  if (f.proto == 6) {
    end = (f.wrote & kWroteRst) ? "rst"
          : (f.wrote & (kWroteFinC | kWroteFinS)) == (kWroteFinC | kWroteFinS) ? "fin"
                                                                               : "open";
  }
  const size_t n = std::strlen(end);
  std::memcpy(p, end, n);
  p += n;
  *p++ = '\n';
  text_pos_ = static_cast<size_t>(p - text_.get());
}

Status Truth::finish(const GenConfig& cfg, GenTotals& out) {
  t_.concurrency_mean = concurrency_samples_ ? static_cast<double>(concurrency_sum_) /
                                                   static_cast<double>(concurrency_samples_)
                                             : 0.0;
  const double wall = out.wall_s;
  t_.flow_rate_per_s = out.flow_rate_per_s;
  t_.concurrency = out.concurrency;
  t_.ipv6_share = out.ipv6_share;
  t_.vlan_share = out.vlan_share;
  out = t_;
  out.wall_s = wall;
  if (prefix_.empty()) return Status::ok();

  if (tsv_ != nullptr) {
    flush_text();
    const bool close_failed = std::fclose(tsv_) != 0;
    tsv_ = nullptr;
    if (tsv_failed_ || close_failed) {
      return {Errc::io_error, "cannot write " + prefix_ + ".flows.tsv: " + std::strerror(errno)};
    }
  }

  const uint64_t dur_ns = t_.last_ns - t_.first_ns;
  const double dur_s = static_cast<double>(dur_ns) / 1e9;
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::string j = "{\n";
  char b[1024];
  std::snprintf(b, sizeof b,
                "  \"generator\": \"weir gen\",\n"
                "  \"truth_version\": 1,\n"
                "  \"profile\": \"%s\",\n"
                "  \"capture_format\": \"%s\",\n"
                "  \"params\": {\"seed\": %llu, \"packets_requested\": %llu, "
                "\"flow_rate_per_s\": %.9g, \"concurrency\": %llu, \"ipv6_share\": %.9g, "
                "\"vlan_share\": %.9g},\n",
                std::string(to_string(cfg.profile)).c_str(), std::string(to_string(cfg.format)).c_str(),
                u(cfg.seed), u(cfg.packets), t_.flow_rate_per_s, u(t_.concurrency), t_.ipv6_share,
                t_.vlan_share);
  j += b;
  std::snprintf(b, sizeof b,
                "  \"packets\": %llu,\n  \"frame_bytes\": %llu,\n  \"ip_bytes\": %llu,\n"
                "  \"flows_bidirectional\": %llu,\n  \"flows_unidirectional\": %llu,\n"
                "  \"first_ns\": %llu,\n  \"last_ns\": %llu,\n  \"duration_ns\": %llu,\n"
                "  \"duration_s\": %.9f,\n  \"packets_per_s\": %.1f,\n",
                u(t_.all.packets), u(t_.all.frame_bytes), u(t_.all.ip_bytes),
                u(t_.all.flows_bidirectional), u(t_.all.flows_unidirectional), u(t_.first_ns),
                u(t_.last_ns), u(dur_ns), dur_s,
                dur_ns ? static_cast<double>(t_.all.packets) / dur_s : 0.0);
  j += b;
  j += "  \"by_class\": {\n";
  json_class(j, "tcp", t_.tcp, false);
  json_class(j, "udp", t_.udp, false);
  json_class(j, "icmp", t_.icmp, false);
  json_class(j, "ipv4", t_.ipv4, false);
  json_class(j, "ipv6", t_.ipv6, false);
  json_class(j, "vlan", t_.vlan, true);
  j += "  },\n";
  std::snprintf(b, sizeof b,
                "  \"tcp_end\": {\"fin\": %llu, \"rst\": %llu, \"open\": %llu},\n"
                "  \"tcp_syn_seen\": %llu,\n"
                "  \"flows_started\": %llu,\n  \"flows_started_per_s\": %.1f,\n"
                "  \"flows_simulated\": %llu,\n  \"concurrency_mean\": %.1f,\n",
                u(t_.tcp_end_fin), u(t_.tcp_end_rst), u(t_.tcp_end_open), u(t_.tcp_syn_seen),
                u(t_.flows_started),
                dur_ns ? static_cast<double>(t_.flows_started) / dur_s : 0.0,
                u(t_.flows_simulated), t_.concurrency_mean);
  j += b;
  j += "  \"semantics\": \"flow = 5-tuple (ICMP echo: addresses + identifier), both directions "
       "one biflow; unique 5-tuples; intra-flow gaps <= 30 s; <= 0.11 s from FIN-FIN to the last "
       "ACK, nothing after RST; frame_bytes = captured = wire length without FCS\"\n}\n";

  const std::string path = prefix_ + ".json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return {Errc::io_error, "cannot create " + path + ": " + std::strerror(errno)};
  const bool ok = std::fwrite(j.data(), 1, j.size(), f) == j.size();
  if (std::fclose(f) != 0 || !ok) return {Errc::io_error, "cannot write " + path};
  return Status::ok();
}

}  // namespace weir::gen

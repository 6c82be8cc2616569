// SPDX-License-Identifier: Apache-2.0
#include "exporters/csv_format.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

namespace weir {

namespace {

// "0".."255" packed as up to 3 characters plus a length: one 4-byte copy per octet.
struct OctetText {
  std::array<char, 3> chars;
  uint8_t len;
};

constexpr std::array<OctetText, 256> make_octet_table() {
  std::array<OctetText, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    OctetText& o = t[v];
    if (v >= 100) {
      o.chars = {char('0' + v / 100), char('0' + v / 10 % 10), char('0' + v % 10)};
      o.len = 3;
    } else if (v >= 10) {
      o.chars = {char('0' + v / 10), char('0' + v % 10), 0};
      o.len = 2;
    } else {
      o.chars = {char('0' + v), 0, 0};
      o.len = 1;
    }
  }
  return t;
}
constexpr std::array<OctetText, 256> kOctets = make_octet_table();

// "00".."99": two digits per table lookup.
constexpr std::array<char, 200> make_digit_pairs() {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}
constexpr std::array<char, 200> kDigitPairs = make_digit_pairs();

constexpr std::array<uint64_t, 20> make_pow10() {
  std::array<uint64_t, 20> t{};
  uint64_t p = 1;
  for (auto& x : t) {
    x = p;
    p *= 10;
  }
  return t;
}
constexpr std::array<uint64_t, 20> kPow10 = make_pow10();

inline int decimal_digits(uint64_t v) noexcept {
  // log10(2) ~ 1233/4096: a guess from the bit width, corrected by one comparison.
  const int t = (std::bit_width(v | 1) * 1233) >> 12;
  return t + 1 - (v < kPow10[static_cast<std::size_t>(t)] ? 1 : 0);
}

// Inline decimal formatter: std::to_chars is an out-of-line call that counts digits
// with a loop (56% of the CSV formatting profile before this). Most fields are small (zero
// counts, ports), so single digits take a shortcut.
inline char* put_u64(char* p, uint64_t v) noexcept {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  char* const end = p + decimal_digits(v);
  char* q = end;
  while (v >= 100) {
    q -= 2;
    std::memcpy(q, &kDigitPairs[(v % 100) * 2], 2);
    v /= 100;
  }
  if (v >= 10) {
    std::memcpy(q - 2, &kDigitPairs[v * 2], 2);
  } else {
    q[-1] = static_cast<char>('0' + v);
  }
  return end;
}

inline char* put_hex16(char* p, uint16_t v) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  // RFC 5952 4.1: no leading zeros; 4.3: lower case.
  int shift = 12;
  while (shift > 0 && ((v >> shift) & 0xF) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) *p++ = kHex[(v >> shift) & 0xF];
  return p;
}

inline char* put_sv(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline bool is_icmp(uint8_t proto) noexcept { return proto == 1 || proto == 58; }

char* put_addr(char* p, uint8_t ip_version, const std::array<uint8_t, 16>& a) noexcept {
  if (ip_version == 4) return format_ipv4(a.data(), p);
  if (ip_version == 6) return format_ipv6(a.data(), p);
  return p;  // not IP: empty field
}

char* put_dir(char* p, const DirStats& d) noexcept {
  p = put_u64(p, d.packets);
  *p++ = ',';
  p = put_u64(p, d.ip_bytes);
  *p++ = ',';
  p = put_u64(p, d.l2_bytes);
  *p++ = ',';
  p = put_u64(p, d.ip_len_min_bytes);
  *p++ = ',';
  p = put_u64(p, d.ip_len_max_bytes);
  *p++ = ',';
  p = format_fixed3(d.ip_len_mean_bytes, p);
  *p++ = ',';
  p = format_fixed3(d.ip_len_stddev_bytes, p);
  *p++ = ',';
  p = put_u64(p, d.iat_min_ns);
  *p++ = ',';
  p = put_u64(p, d.iat_max_ns);
  *p++ = ',';
  p = format_fixed3(d.iat_mean_ns, p);
  *p++ = ',';
  p = format_fixed3(d.iat_stddev_ns, p);
  *p++ = ',';
  p = format_tcp_flags(d.tcp_flags, p);
  for (uint64_t c : d.tcp_flag_count) {
    *p++ = ',';
    p = put_u64(p, c);
  }
  return p;
}

}  // namespace

char* format_ipv4(const uint8_t* a, char* out) noexcept {
  for (int i = 0; i < 4; ++i) {
    const OctetText& o = kOctets[a[i]];
    std::memcpy(out, o.chars.data(), 3);  // always copy 3: one fixed-size move
    out += o.len;
    if (i != 3) *out++ = '.';
  }
  return out;
}

char* format_ipv6(const uint8_t* a, char* out) noexcept {
  std::array<uint16_t, 8> w;
  for (int i = 0; i < 8; ++i) w[i] = static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);

  // RFC 5952 5: IPv4-mapped addresses keep the dotted quad.
  if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xFFFF) {
    out = put_sv(out, "::ffff:");
    return format_ipv4(a + 12, out);
  }
  // RFC 5952 4.2: "::" replaces the longest run of two or more zero groups, the first
  // one on a tie; a single zero group stays "0".
  int best = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best < 0) {
    for (int i = 0; i < 8; ++i) {
      if (i != 0) *out++ = ':';
      out = put_hex16(out, w[i]);
    }
    return out;
  }
  for (int i = 0; i < best; ++i) {
    if (i != 0) *out++ = ':';
    out = put_hex16(out, w[i]);
  }
  *out++ = ':';
  *out++ = ':';
  for (int i = best + best_len; i < 8; ++i) {
    if (i != best + best_len) *out++ = ':';
    out = put_hex16(out, w[i]);
  }
  return out;
}

char* format_fixed3(double v, char* out) noexcept {
  // Exact and cheap: v = m * 2^e with an integer m < 2^53, so v * 1000 = (m * 1000) *
  // 2^e where m * 1000 < 2^63 fits a uint64_t. For v < 2^53, e <= 0 and rounding to
  // an integer is a shift plus round-half-to-even on the bits shifted out -- the digits
  // to_chars and printf("%.3f") print (tested on millions of values, ties included).
  // v >= 2^53 is an integer: ".000". NaN, infinities and v >= 2^64 take to_chars.
  if (std::signbit(v)) {
    if (!(v > -0x1p64)) return std::to_chars(out, out + 320, v, std::chars_format::fixed, 3).ptr;
    *out++ = '-';  // printf prints -0.000 for -0.0 and for tiny negatives, as we do
    v = -v;
  }
  if (v < 0x1p53) {
    const auto bits = std::bit_cast<uint64_t>(v);
    const auto biased_exp = static_cast<int>(bits >> 52);  // sign is clear
    const uint64_t frac = bits & ((uint64_t{1} << 52) - 1);
    const uint64_t m = biased_exp == 0 ? frac : frac | uint64_t{1} << 52;
    const int shift = biased_exp == 0 ? 1074 : 1075 - biased_exp;  // -e, >= 0 here
    const uint64_t p = m * 1000;
    uint64_t q = 0;
    if (shift == 0) {
      q = p;
    } else if (shift < 64) {
      q = p >> shift;
      const uint64_t rem = p & ((uint64_t{1} << shift) - 1);
      const uint64_t half = uint64_t{1} << (shift - 1);
      q += (rem > half || (rem == half && (q & 1) != 0)) ? 1 : 0;
    }  // else p < 2^63 <= half: rounds to 0
    out = put_u64(out, q / 1000);
    const auto frac3 = static_cast<unsigned>(q % 1000);
    out[0] = '.';
    out[1] = static_cast<char>('0' + frac3 / 100);
    std::memcpy(out + 2, &kDigitPairs[(frac3 % 100) * 2], 2);
    return out + 4;
  }
  if (v < 0x1p64) {
    out = put_u64(out, static_cast<uint64_t>(v));
    std::memcpy(out, ".000", 4);
    return out + 4;
  }
  // NaN, inf, >= 2^64 (320 > 314, the longest fixed rendering of a double).
  return std::to_chars(out, out + 320, v, std::chars_format::fixed, 3).ptr;
}

char* format_tcp_flags(uint8_t flags, char* out) noexcept {
  static constexpr char kLetters[] = "FSRPAUEC";  // bit i = kTcpFlagNames[i]
  for (int i = 0; i < 8; ++i)
    if (flags & (1u << i)) *out++ = kLetters[i];
  return out;
}

char* put_csv_field(std::string_view s, char* out) noexcept {
  // A plain loop: the strings are a few bytes, where find_first_of's memchr per
  // character costs more than the scan.
  bool plain = true;
  for (char c : s) plain &= !(c == ',' || c == '"' || c == '\r' || c == '\n');
  if (plain) return put_sv(out, s);
  *out++ = '"';
  for (char c : s) {
    if (c == '"') *out++ = '"';
    *out++ = c;
  }
  *out++ = '"';
  return out;
}

std::string csv_header(bool bidirectional) {
  std::string h;
  for (std::string_view c : kCsvFlowColumns) {
    if (!h.empty()) h += ',';
    h += c;
  }
  for (std::string_view prefix : {std::string_view("fwd_"), std::string_view("bwd_")}) {
    if (prefix == "bwd_" && !bidirectional) break;
    for (std::string_view c : kCsvDirColumns) {
      h += ',';
      h += prefix;
      h += c;
    }
  }
  h += '\n';
  return h;
}

std::size_t format_csv_record(const FlowRecord& r, bool bidirectional, char* out) noexcept {
  char* p = out;
  p = put_u64(p, r.flow_id);
  *p++ = ',';
  p = put_u64(p, r.start_ns);
  *p++ = ',';
  p = put_u64(p, r.end_ns);
  *p++ = ',';
  // Unsigned wrap would print a huge number for a (buggy) end < start; clamp to 0.
  p = put_u64(p, r.end_ns >= r.start_ns ? r.end_ns - r.start_ns : 0);
  *p++ = ',';
  p = put_u64(p, r.ip_version);
  *p++ = ',';
  p = put_u64(p, r.proto);
  *p++ = ',';
  p = put_addr(p, r.ip_version, r.src_addr);
  *p++ = ',';
  p = put_u64(p, r.src_port);
  *p++ = ',';
  p = put_addr(p, r.ip_version, r.dst_addr);
  *p++ = ',';
  p = put_u64(p, r.dst_port);
  *p++ = ',';
  if (is_icmp(r.proto)) {
    p = put_u64(p, r.icmp_type);
    *p++ = ',';
    p = put_u64(p, r.icmp_code);
    *p++ = ',';
    p = put_u64(p, r.icmp_id);
  } else {
    *p++ = ',';  // three empty fields
    *p++ = ',';
  }
  *p++ = ',';
  p = put_u64(p, r.vlan);
  *p++ = ',';
  p = put_csv_field(end_reason_name(r.end_reason), p);
  *p++ = ',';
  p = put_dir(p, r.dir[0]);
  if (bidirectional) {
    *p++ = ',';
    p = put_dir(p, r.dir[1]);
  }
  *p++ = '\n';
  return static_cast<std::size_t>(p - out);
}

}  // namespace weir

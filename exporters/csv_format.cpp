// SPDX-License-Identifier: Apache-2.0
#include "exporters/csv_format.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "exporters/detail/text_format.hpp"

namespace weir {

using detail::kDigitPairs;
using detail::put_sv;
using detail::put_u64;

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

inline char* put_hex16(char* p, uint16_t v) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  // RFC 5952 4.1: no leading zeros; 4.3: lower case.
  int shift = 12;
  while (shift > 0 && ((v >> shift) & 0xF) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) *p++ = kHex[(v >> shift) & 0xF];
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

std::size_t csv_column_count(bool bidirectional) noexcept {
  return detail::kFlowText.size() + detail::kDirText.size() * (bidirectional ? 2 : 1);
}

std::string csv_header(bool bidirectional) {
  std::string h;
  for (std::size_t i : detail::kFlowText) {
    if (!h.empty()) h += ',';
    h += fields::kFields[i].name;
  }
  for (int d = 0; d < (bidirectional ? 2 : 1); ++d) {
    for (std::size_t i : detail::kDirText) {
      h += ',';
      h += fields::kDirPrefix[static_cast<std::size_t>(d)];
      h += fields::kFields[i].name;
    }
  }
  h += '\n';
  return h;
}

std::size_t format_csv_record(const FlowRecord& r, bool bidirectional, char* out) noexcept {
  return detail::format_text_record<detail::TextStyle::csv>(r, bidirectional, out);
}

}  // namespace weir

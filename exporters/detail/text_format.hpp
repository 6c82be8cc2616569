// SPDX-License-Identifier: Apache-2.0
// The text formatter behind CSV and JSON lines, generated from the field registry.
//
// Design: format_text_record<Style>() folds over the registry's text fields at compile
// time; each field expands to the code for its kind (if constexpr on Text and Type), so
// a record is straight-line code -- the same instructions the hand-written CSV
// formatter had, with no per-field call or switch at run time (bench/exporters
// BM_CsvFormatRecord measures it). JSON differs only in keys, quoting and null.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "exporters/csv_format.hpp"
#include "exporters/field_registry.hpp"

namespace weir::detail {

// "00".."99": two digits per table lookup.
constexpr std::array<char, 200> make_digit_pairs() {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}
inline constexpr std::array<char, 200> kDigitPairs = make_digit_pairs();

constexpr std::array<uint64_t, 20> make_pow10() {
  std::array<uint64_t, 20> t{};
  uint64_t p = 1;
  for (auto& x : t) {
    x = p;
    p *= 10;
  }
  return t;
}
inline constexpr std::array<uint64_t, 20> kPow10 = make_pow10();

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

inline char* put_sv(char* p, std::string_view s) noexcept {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

inline bool is_icmp(uint8_t proto) noexcept { return proto == 1 || proto == 58; }

enum class TextStyle : uint8_t { csv, json };

// A field's key for JSON: ,"fwd_packets": (the leading comma dropped for the first).
template <std::size_t FI, int D>
constexpr auto make_json_key() {
  constexpr std::string_view name = fields::kFields[FI].name;
  constexpr std::string_view pre = D < 0 ? std::string_view() : fields::kDirPrefix[D];
  std::array<char, name.size() + pre.size() + 4> a{};
  std::size_t i = 0;
  a[i++] = ',';
  a[i++] = '"';
  for (char c : pre) a[i++] = c;
  for (char c : name) a[i++] = c;
  a[i++] = '"';
  a[i++] = ':';
  return a;
}
template <std::size_t FI, int D>
inline constexpr auto kJsonKey = make_json_key<FI, D>();

template <fields::Type T>
inline uint64_t load_uint(const char* p) noexcept {
  using enum fields::Type;
  if constexpr (T == u8) return static_cast<uint8_t>(*p);
  if constexpr (T == u16 || T == u32 || T == u64) {
    using U = std::conditional_t<T == u16, uint16_t, std::conditional_t<T == u32, uint32_t, uint64_t>>;
    U v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  return 0;
}

// Writes one field's value (no separator, no key).
template <TextStyle S, std::size_t FI>
inline char* put_value(char* p, const FlowRecord& r, const char* base) noexcept {
  using fields::Text;
  constexpr fields::Field f = fields::kFields[FI];
  constexpr bool json = S == TextStyle::json;
  constexpr std::string_view null = json ? "null" : "";
  if constexpr (f.text == Text::uint) {
    return put_u64(p, load_uint<f.type>(base + f.offset));
  } else if constexpr (f.text == Text::icmp) {
    if (is_icmp(r.proto)) return put_u64(p, load_uint<f.type>(base + f.offset));
    return put_sv(p, null);
  } else if constexpr (f.text == Text::fixed3) {
    double v;
    std::memcpy(&v, base + f.offset, sizeof v);
    if constexpr (json) {
      if (!(v - v == 0)) return put_sv(p, null);  // NaN and infinities
    }
    return format_fixed3(v, p);
  } else if constexpr (f.text == Text::addr) {
    const auto* a = reinterpret_cast<const uint8_t*>(base + f.offset);
    if (r.ip_version != 4 && r.ip_version != 6) return put_sv(p, null);
    if constexpr (json) *p++ = '"';
    p = r.ip_version == 4 ? format_ipv4(a, p) : format_ipv6(a, p);
    if constexpr (json) *p++ = '"';
    return p;
  } else if constexpr (f.text == Text::tcp_flags) {
    if constexpr (json) *p++ = '"';
    p = format_tcp_flags(static_cast<uint8_t>(base[f.offset]), p);
    if constexpr (json) *p++ = '"';
    return p;
  } else if constexpr (f.text == Text::end_reason) {
    const std::string_view name = end_reason_name(static_cast<EndReason>(base[f.offset]));
    if constexpr (json) {
      *p++ = '"';
      p = put_sv(p, name);  // names are [a-z_]: nothing to escape
      *p++ = '"';
      return p;
    } else {
      return put_csv_field(name, p);
    }
  } else if constexpr (f.text == Text::end_reason_ipfix) {
    return put_u64(p, fields::ipfix_end_reason(r.end_reason));
  } else if constexpr (f.text == Text::duration) {
    // Unsigned wrap would print a huge number for a (buggy) end < start; clamp to 0.
    return put_u64(p, r.end_ns >= r.start_ns ? r.end_ns - r.start_ns : 0);
  } else {
    static_assert(f.text == Text::none, "unhandled Text kind");
    return p;
  }
}

// Indices into kFields of the text columns of one scope, in table order.
template <fields::Scope Sc>
constexpr std::size_t count_text_fields() {
  std::size_t n = 0;
  for (const fields::Field& f : fields::kFields) n += f.scope == Sc && f.text != fields::Text::none;
  return n;
}
template <fields::Scope Sc>
constexpr auto text_field_indices() {
  std::array<std::size_t, count_text_fields<Sc>()> idx{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < fields::kNumFields; ++i) {
    const fields::Field& f = fields::kFields[i];
    if (f.scope == Sc && f.text != fields::Text::none) idx[n++] = i;
  }
  return idx;
}
inline constexpr auto kFlowText = text_field_indices<fields::Scope::flow>();
inline constexpr auto kDirText = text_field_indices<fields::Scope::dir>();

// D: -1 flow fields, 0/1 direction. `first`: no separator before the first field.
template <TextStyle S, int D, bool First, std::size_t... K>
inline char* put_group(char* p, const FlowRecord& r, std::index_sequence<K...>) noexcept {
  const char* base = D < 0 ? reinterpret_cast<const char*>(&r)
                           : reinterpret_cast<const char*>(&r.dir[D < 0 ? 0 : D]);
  auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    constexpr std::size_t fi = D < 0 ? kFlowText[J] : kDirText[J];
    if constexpr (S == TextStyle::json) {
      constexpr auto& key = kJsonKey<fi, D>;
      constexpr bool skip = First && J == 0;
      std::memcpy(p, key.data() + skip, key.size() - skip);
      p += key.size() - skip;
    } else if constexpr (!(First && J == 0)) {
      *p++ = ',';
    }
    p = put_value<S, fi>(p, r, base);
  };
  (one(std::integral_constant<std::size_t, K>{}), ...);
  return p;
}

template <TextStyle S>
inline std::size_t format_text_record(const FlowRecord& r, bool bidirectional, char* out) noexcept {
  char* p = out;
  if constexpr (S == TextStyle::json) *p++ = '{';
  p = put_group<S, -1, true>(p, r, std::make_index_sequence<kFlowText.size()>{});
  p = put_group<S, 0, false>(p, r, std::make_index_sequence<kDirText.size()>{});
  if (bidirectional) p = put_group<S, 1, false>(p, r, std::make_index_sequence<kDirText.size()>{});
  if constexpr (S == TextStyle::json) *p++ = '}';
  *p++ = '\n';
  return static_cast<std::size_t>(p - out);
}

}  // namespace weir::detail

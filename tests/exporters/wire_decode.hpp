// SPDX-License-Identifier: Apache-2.0
// A small decoder of IPFIX, NetFlow v9 and v5 messages for tests: it decodes data
// records by the templates found on the wire (not by weir's in-memory templates) and
// checks every length on the way, so a test can say what weir actually sent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace weir::test {

struct WireField {
  uint16_t id;
  uint16_t len;
  uint32_t pen;
};

using WireKey = std::pair<uint32_t, uint16_t>;  // (enterprise, id)

struct WireRecord {
  uint16_t template_id = 0;
  std::map<WireKey, std::string> values;
  bool has(uint16_t id, uint32_t pen = 0) const { return values.count({pen, id}) != 0; }
  uint64_t u(uint16_t id, uint32_t pen = 0) const {
    auto it = values.find({pen, id});
    if (it == values.end()) return UINT64_MAX;
    uint64_t v = 0;
    for (unsigned char c : it->second) v = v << 8 | c;
    return v;
  }
  std::string bytes(uint16_t id, uint32_t pen = 0) const {
    auto it = values.find({pen, id});
    return it == values.end() ? std::string() : it->second;
  }
};

struct WireMessage {
  uint16_t version = 0;
  uint32_t length_or_count = 0;  // IPFIX: length; v9/v5: count
  uint32_t export_time_s = 0;
  uint32_t uptime_ms = 0;        // v9, v5
  uint32_t sequence = 0;
  uint32_t domain = 0;           // IPFIX domain, v9 source id, v5 engine type << 8 | id
  std::vector<uint16_t> set_ids;
  std::size_t template_records = 0;
  std::vector<WireRecord> records;
};

inline uint64_t be(const std::string& m, std::size_t at, std::size_t n) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | static_cast<unsigned char>(m[at + i]);
  return v;
}

class WireDecoder {
 public:
  // Decodes one message; on failure returns false and sets error().
  bool decode(const std::string& m, WireMessage& out) {
    out = {};
    if (m.size() < 2) return fail("message shorter than a version field");
    out.version = static_cast<uint16_t>(be(m, 0, 2));
    if (out.version == 10) return ipfix(m, out);
    if (out.version == 9) return v9(m, out);
    if (out.version == 5) return v5(m, out);
    return fail("unknown version " + std::to_string(out.version));
  }
  const std::string& error() const { return error_; }
  std::size_t templates_known() const { return templates_.size(); }

 private:
  bool fail(const std::string& e) {
    error_ = e;
    return false;
  }

  bool templates_set(const std::string& m, std::size_t at, std::size_t end, bool ipfix_ies,
                     WireMessage& out) {
    while (at + 4 <= end) {
      const auto id = static_cast<uint16_t>(be(m, at, 2));
      const auto n = be(m, at + 2, 2);
      at += 4;
      std::vector<WireField> fields;
      for (uint64_t i = 0; i < n; ++i) {
        if (at + 4 > end) return fail("template " + std::to_string(id) + " truncated");
        auto fid = static_cast<uint16_t>(be(m, at, 2));
        const auto len = static_cast<uint16_t>(be(m, at + 2, 2));
        at += 4;
        uint32_t pen = 0;
        if (ipfix_ies && (fid & 0x8000)) {
          if (at + 4 > end) return fail("enterprise number truncated");
          pen = static_cast<uint32_t>(be(m, at, 4));
          fid &= 0x7FFF;
          at += 4;
        }
        fields.push_back({fid, len, pen});
      }
      templates_[id] = fields;
      ++out.template_records;
    }
    return true;
  }

  bool data_set(const std::string& m, uint16_t id, std::size_t at, std::size_t end,
                WireMessage& out) {
    auto t = templates_.find(id);
    if (t == templates_.end()) return fail("data set " + std::to_string(id) + " before its template");
    std::size_t rec_len = 0;
    for (const WireField& f : t->second) rec_len += f.len;
    while (at + rec_len <= end) {
      WireRecord r;
      r.template_id = id;
      for (const WireField& f : t->second) {
        r.values[{f.pen, f.id}] = m.substr(at, f.len);
        at += f.len;
      }
      out.records.push_back(std::move(r));
    }
    if (end - at >= 4) return fail("set " + std::to_string(id) + " has trailing bytes");
    for (; at < end; ++at)
      if (m[at] != 0) return fail("padding is not zero");
    return true;
  }

  bool ipfix(const std::string& m, WireMessage& out) {
    if (m.size() < 16) return fail("IPFIX header truncated");
    out.length_or_count = static_cast<uint32_t>(be(m, 2, 2));
    if (out.length_or_count != m.size())
      return fail("IPFIX length " + std::to_string(out.length_or_count) + " but message has " +
                  std::to_string(m.size()) + " bytes");
    out.export_time_s = static_cast<uint32_t>(be(m, 4, 4));
    out.sequence = static_cast<uint32_t>(be(m, 8, 4));
    out.domain = static_cast<uint32_t>(be(m, 12, 4));
    std::size_t at = 16;
    while (at < m.size()) {
      if (at + 4 > m.size()) return fail("set header truncated");
      const auto id = static_cast<uint16_t>(be(m, at, 2));
      const auto len = be(m, at + 2, 2);
      if (len < 4 || at + len > m.size()) return fail("set length out of range");
      out.set_ids.push_back(id);
      if (id == 2) {
        if (!templates_set(m, at + 4, at + len, true, out)) return false;
      } else if (id >= 256) {
        if (!data_set(m, id, at + 4, at + len, out)) return false;
      } else {
        return fail("unexpected set id " + std::to_string(id));
      }
      at += len;
    }
    return true;
  }

  bool v9(const std::string& m, WireMessage& out) {
    if (m.size() < 20) return fail("v9 header truncated");
    out.length_or_count = static_cast<uint32_t>(be(m, 2, 2));
    out.uptime_ms = static_cast<uint32_t>(be(m, 4, 4));
    out.export_time_s = static_cast<uint32_t>(be(m, 8, 4));
    out.sequence = static_cast<uint32_t>(be(m, 12, 4));
    out.domain = static_cast<uint32_t>(be(m, 16, 4));
    std::size_t at = 20;
    while (at < m.size()) {
      if (at + 4 > m.size()) return fail("flowset header truncated");
      const auto id = static_cast<uint16_t>(be(m, at, 2));
      const auto len = be(m, at + 2, 2);
      if (len < 4 || at + len > m.size()) return fail("flowset length out of range");
      if (len % 4 != 0) return fail("flowset not padded to 32 bits");
      out.set_ids.push_back(id);
      if (id == 0) {
        if (!templates_set(m, at + 4, at + len, false, out)) return false;
      } else if (id >= 256) {
        if (!data_set(m, id, at + 4, at + len, out)) return false;
      } else {
        return fail("unexpected flowset id " + std::to_string(id));
      }
      at += len;
    }
    if (out.length_or_count != out.template_records + out.records.size())
      return fail("v9 count " + std::to_string(out.length_or_count) + " but " +
                  std::to_string(out.template_records + out.records.size()) + " records");
    return true;
  }

  bool v5(const std::string& m, WireMessage& out) {
    if (m.size() < 24) return fail("v5 header truncated");
    out.length_or_count = static_cast<uint32_t>(be(m, 2, 2));
    out.uptime_ms = static_cast<uint32_t>(be(m, 4, 4));
    out.export_time_s = static_cast<uint32_t>(be(m, 8, 4));
    out.sequence = static_cast<uint32_t>(be(m, 16, 4));
    out.domain = static_cast<uint32_t>(be(m, 20, 2));
    if (m.size() != 24 + 48 * out.length_or_count) return fail("v5 size does not match count");
    // v5 fields under the v9 numbers, so tests read them the same way.
    static const std::pair<uint16_t, std::pair<int, int>> kLayout[] = {
        {8, {0, 4}},  {12, {4, 4}},  {15, {8, 4}},  {10, {12, 2}}, {14, {14, 2}},
        {2, {16, 4}}, {1, {20, 4}},  {22, {24, 4}}, {21, {28, 4}}, {7, {32, 2}},
        {11, {34, 2}}, {6, {37, 1}}, {4, {38, 1}},  {5, {39, 1}}};
    for (uint32_t i = 0; i < out.length_or_count; ++i) {
      WireRecord r;
      const std::size_t base = 24 + 48 * i;
      for (const auto& [id, pos] : kLayout)
        r.values[{0, id}] = m.substr(base + static_cast<std::size_t>(pos.first),
                                     static_cast<std::size_t>(pos.second));
      out.records.push_back(std::move(r));
    }
    return true;
  }

  std::map<uint16_t, std::vector<WireField>> templates_;
  std::string error_;
};

}  // namespace weir::test

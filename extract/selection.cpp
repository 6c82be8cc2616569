// SPDX-License-Identifier: Apache-2.0
#include "extract/selection.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace weir::extract {

namespace {

template <typename T>
bool parse_uint(std::string_view s, T& v) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

void parse_flow_ids(const std::string& text, Selection& sel) {
  if (text == "all") {
    sel.all = true;
    return;
  }
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    uint32_t id = 0;
    if (!parse_uint(item, id) || id == 0) {
      throw std::invalid_argument("bad FlowID '" + std::string(item) + "' in '" + text +
                                  "' (want IDs >= 1 as 'weir flows' lists them, comma-separated, or 'all')");
    }
    sel.ids.push_back(id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  std::sort(sel.ids.begin(), sel.ids.end());
  sel.ids.erase(std::unique(sel.ids.begin(), sel.ids.end()), sel.ids.end());
}

void parse_port_range(const std::string& text, Selection& sel) {
  const std::size_t dash = text.find('-');
  const std::string lo = text.substr(0, dash);
  const std::string hi = dash == std::string::npos ? lo : text.substr(dash + 1);
  uint16_t a = 0, b = 0;
  if (!parse_uint(std::string_view(lo), a) || !parse_uint(std::string_view(hi), b) || a > b) {
    throw std::invalid_argument("bad port range '" + text + "' (want PORT or LO-HI, 0-65535, LO <= HI)");
  }
  sel.port_range = true;
  sel.port_lo = a;
  sel.port_hi = b;
}

void FlowSelector::add_key(const UniKey& k) {
  bool is_new = false;
  const UniKey t = without_macs(k);
  keys_.find_or_add(t, uni_hash(t), is_new);
}

bool FlowSelector::selects(uint32_t id, const UniKey& k) const {
  const FlowKey& f = k.flow;
  if (sel_.proto && f.proto != sel_.proto) return false;
  if (sel_.port_range) {
    if (f.proto != 6 && f.proto != 17 && f.proto != 132) return false;
    const auto in = [&](uint16_t p) { return p >= sel_.port_lo && p <= sel_.port_hi; };
    if (!in(f.port_a) && !in(f.port_b)) return false;
  }
  if (sel_.all) return true;
  if (sel_.ids.empty() && keys_.size() == 0) return sel_.port_range;  // --port alone
  if (std::binary_search(sel_.ids.begin(), sel_.ids.end(), id)) return true;
  if (keys_.size() == 0) return false;
  const UniKey t = without_macs(k);
  return keys_.find(t, uni_hash(t)) != 0;
}

namespace {

class KeyResolver : public ScanVisitor {
 public:
  KeyResolver(const Selection& sel, FlowSelector& out) : sel_(sel), out_(out) {}
  Status packet(const ScanPacket& p, FlowIndex& index) override {
    if (!p.new_flow || !std::binary_search(sel_.ids.begin(), sel_.ids.end(), p.flow_id)) return Status::ok();
    const UniKey& k = index.entry(p.flow_id).key;
    out_.add_key(k);
    out_.add_key(reverse(k));
    ++found_;
    return Status::ok();
  }
  bool stop() const override { return found_ == sel_.ids.size(); }

 private:
  const Selection& sel_;
  FlowSelector& out_;
  std::size_t found_ = 0;
};

}  // namespace

Status resolve_reverse_keys(const ScanOptions& opt, const Selection& sel, FlowSelector& out,
                            std::vector<uint32_t>& missing) {
  missing.clear();
  ScanOptions o = opt;
  o.filter.clear();
  o.progress = false;
  FlowIndex index;
  KeyResolver r(sel, out);
  ScanStats st;
  // A capture that turns bad midway is reported by the extraction pass that follows.
  if (Status s = scan(o, index, &r, st); !s) return s;
  for (uint32_t id : sel.ids) {
    if (id > index.size()) missing.push_back(id);
  }
  return Status::ok();
}

}  // namespace weir::extract

// SPDX-License-Identifier: Apache-2.0
// Which flows `weir extract` takes: FlowIDs (as `weir flows` numbers them), all flows of
// a protocol, flows with a port in a range, and with -d b the opposite direction of each
// chosen flow too. Decided once per flow, when it first appears.
//
// The opposite direction of an ID may appear before it (the server's reply flow has a
// larger ID than the client's, but the client's packets come first), so -d b with IDs
// needs the keys of those IDs before the extraction pass: resolve_reverse_keys() reads
// the input until every requested ID has appeared (a file can be read twice; standard
// input cannot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "extract/flow_index.hpp"
#include "extract/flow_scan.hpp"

namespace weir::extract {

struct Selection {
  std::vector<uint32_t> ids;  // sorted, unique
  bool all = false;           // every flow (of the protocol, if one is set)
  bool port_range = false;    // only flows with a port in [port_lo, port_hi] (TCP/UDP/SCTP)
  uint16_t port_lo = 0;
  uint16_t port_hi = 0;
  bool both_directions = false;  // -d b
  uint8_t proto = 0;             // only this IP protocol (0 = any)
};

// "3", "3,17,42" (IDs >= 1) or "all". Throws std::invalid_argument with a message.
void parse_flow_ids(const std::string& text, Selection& sel);
// "80" or "1024-65535". Throws std::invalid_argument.
void parse_port_range(const std::string& text, Selection& sel);

class FlowSelector {
 public:
  explicit FlowSelector(const Selection& sel) : sel_(sel) {}
  // Keys whose flows are chosen whatever their ID and MACs (-d b: the opposite directions).
  void add_key(const UniKey& k);
  bool selects(uint32_t id, const UniKey& k) const;
  const Selection& selection() const noexcept { return sel_; }

 private:
  Selection sel_;
  FlowIndex keys_;  // used as a set of keys without MACs
};

// Reads opt's input until every ID of sel has a flow (or the input ends) and adds each
// one's key and its reverse to sel's selector. missing gets the IDs that never appeared.
Status resolve_reverse_keys(const ScanOptions& opt, const Selection& sel, FlowSelector& out,
                            std::vector<uint32_t>& missing);

}  // namespace weir::extract

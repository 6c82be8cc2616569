// SPDX-License-Identifier: Apache-2.0
// FlowScan: one pass over a capture that gives every packet its FlowID -- the loop
// `weir flows` and `weir extract` share, so both number flows identically.
//
// Input comes through the capture stack (open_capture: files, "-" = standard input);
// each frame is decoded by the Decoder (unidirectional keys; --vlan puts the VLAN in the
// key; IP fragments are attributed to their flow by its fragment cache). Every decoded
// packet gets a FlowID whether or not it passes the filter, so IDs do not depend on the
// filter or on what a run extracts. A packet that is not in any flow (not IP, malformed)
// is counted under the Decoder's reason.
//
// The visitor sees each packet (flow or not) once, in input order; views are valid only
// during the call. A progress line (position in the input, packet time, flows, Gbps)
// goes to stderr about once a second when enabled.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/decode/decoder.hpp"
#include "engine/base/common.hpp"
#include "engine/base/packet_meta.hpp"
#include "extract/flow_index.hpp"

namespace weir::extract {

struct ScanOptions {
  std::vector<std::string> files;  // "-" = standard input
  std::string filter;              // BPF expression ("" = every packet)
  bool vlan_key = false;           // --vlan: the outer VLAN id is part of the key
  bool five_tuple = false;         // --flow-5tuple: MACs are not part of the key
  uint64_t packet_max = 0;         // --packet-max: stop after this many packets (0 = all)
  bool progress = false;
  const char* progress_name = "weir";
};

struct ScanStats {
  uint64_t packets = 0;      // records read
  uint64_t wire_bytes = 0;
  uint64_t in_flows = 0;     // decoded into a flow (every one has a FlowID)
  uint64_t matched = 0;      // ... and passed the filter (all of them without a filter)
  uint64_t filtered_out = 0; // packets (in a flow or not) the filter rejected
  std::array<uint64_t, kNumDecodeOutcomes> not_in_flow{};  // by reason (index 0 unused)
  uint64_t bpf_compile_failures = 0;  // frames of a link type the filter cannot run on
  bool stopped_at_max = false;
  bool stopped_early = false;  // the visitor asked to stop
  std::string input_error;   // the input turned bad here; the packets before it count
  std::string input;         // PacketSource::describe()
};

struct ScanPacket {
  const PacketView* pv = nullptr;
  uint64_t index = 0;          // 0-based position in the input
  bool matched = false;        // passed the filter
  uint32_t flow_id = 0;        // 0: not in a flow
  bool new_flow = false;       // first packet of flow_id
  const PacketMeta* meta = nullptr;  // set when flow_id != 0
  FrameLayout layout;          // valid when flow_id != 0
};

class ScanVisitor {
 public:
  virtual ~ScanVisitor() = default;
  // A packet in input order. A non-ok status stops the scan and is returned by scan().
  virtual Status packet(const ScanPacket& p, FlowIndex& index) = 0;
  // Checked after each packet: true ends the scan there (stats.stopped_early).
  virtual bool stop() const { return false; }
};

// Reads the whole input (or up to packet_max). Open/usage errors are returned; a capture
// that turns bad midway is reported in stats.input_error (packets before it are used).
// Counters of packets that passed the filter are kept in the index's entries.
Status scan(const ScanOptions& opt, FlowIndex& index, ScanVisitor* visitor, ScanStats& stats);

// One-line summary of stats for stderr ("N packets read, ...").
std::string format_scan_stats(const ScanStats& s, uint32_t flows);

}  // namespace weir::extract

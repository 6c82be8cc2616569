// SPDX-License-Identifier: Apache-2.0
// MessageDecoder: NetFlow v5, NetFlow v9 and IPFIX messages -> FlowRecords. The core of
// `weir collect` and of the .ipfix file reader. One thread; no allocation per message
// in steady state (exporter state, templates and the output vector grow once).
//
// Design. State lives per exporter domain = (exporter address, protocol version,
// observation domain id / v9 source id / v5 engine): its templates, the sequence
// number it should send next, its systemInitTime (IPFIX options), its counters, and a
// bounded queue of data sets that arrived before their template. A template is
// compiled once into a list of field operations (field -> FlowRecord member, by IE
// number, reverse elements under PEN 29305 onto dir[1]); a data record is then one pass
// over that list. Unknown and enterprise fields are skipped by length; variable-length
// fields (RFC 7011 7) too. Options templates are accepted; their records are read only
// for systemInitTimeMilliseconds (IE 160), which anchors flowStart/EndSysUpTime
// (IE 22/21) in IPFIX. Template withdrawal (field count 0, RFC 7011 8.1) removes one
// template or, with the set id as template id, all of them.
//
// Times, best precision first: flowStart/End Nanoseconds (156/157) > Microseconds
// (154/155) > Milliseconds (152/153) > Seconds (150/151) > SysUpTime (22/21: v9
// relative to the header's sysUpTime, IPFIX to systemInitTime) > DeltaMicroseconds
// (158/159, before the export time). v5: unix_secs/unix_nsecs - (sysUpTime - First/Last).
//
// What a record becomes: see decoder.cpp (op table). FlowRecord fields no IE carries
// stay zero; end_reason maps flowEndReason 1 idle, 2 active, 3 end of flow -> tcp_close,
// 4 forced end -> eof, 5 lack of resources -> evicted (idle when absent); flow_id =
// flowId (148) or the collector's running record number; expiry_ns = export time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "collector/stats.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

// Who sent a message: IPv4 in the first 4 bytes with v6 false.
struct ExporterAddress {
  std::array<uint8_t, 16> addr{};
  bool v6 = false;
};

class MessageDecoder {
 public:
  struct Limits {
    std::size_t max_pending_sets = 64;          // per exporter domain
    std::size_t max_pending_bytes = 256 * 1024;  // per exporter domain
    std::size_t max_exporters = 65536;           // exporter domains kept (then: exporter_limit)
  };
  MessageDecoder();
  explicit MessageDecoder(const Limits& limits);
  ~MessageDecoder();
  MessageDecoder(const MessageDecoder&) = delete;
  MessageDecoder& operator=(const MessageDecoder&) = delete;

  // Decodes one message (a UDP datagram, an IPFIX message from TCP or a file) and
  // appends its flow records to `out`. Anything undecodable is counted, never thrown.
  void decode(const ExporterAddress& from, std::span<const uint8_t> msg, std::vector<FlowRecord>& out);
  // Faults seen before decoding (a truncated datagram, bad TCP framing).
  void count_malformed(const ExporterAddress& from, Malformed why);
  // Counts the data sets still waiting for a template as dropped (call once, at the end).
  void finish();

  const DecodeCounters& totals() const noexcept;
  // Totals plus one entry per exporter domain.
  CollectorStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "192.0.2.1" / "2001:db8::1".
std::string exporter_address_text(const ExporterAddress& a);

}  // namespace weir

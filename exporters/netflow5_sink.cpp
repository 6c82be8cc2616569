// SPDX-License-Identifier: Apache-2.0
// NetFlow v5 sink: 24-byte header + 48-byte records, at most 30 per datagram (nfdump
// rejects more) and within --mtu. IPv4 only: IPv6 records are counted, not exported.
// Records are unidirectional: a biflow gives one record per direction with packets (the
// backward one with addresses and ports swapped). Counters are 32 bits: a direction
// with more than 2^32 - 1 packets or bytes is split into n records that share its times
// and divide the counts evenly, counted in split_records. ICMP type and code go in the
// destination port (type * 256 + code), as routers do.
//
// Header state is deterministic, as for v9: the export clock (detail/export_clock.hpp;
// unix_nsecs 0), flow_sequence counting records.
// engine_id is the low 8 bits of --observation-domain, engine_type the next 8.
#include <algorithm>
#include <cstring>

#include "exporters/detail/dest_sink.hpp"
#include "exporters/detail/export_clock.hpp"
#include "exporters/detail/sinks.hpp"
#include "exporters/ipfix_format.hpp"
#include "exporters/netflow5_format.hpp"

namespace weir::detail {

namespace {

using namespace netflow5;

class Netflow5Sink final : public DestSink {
 public:
  Netflow5Sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)), opt_(cfg.exp) {
    per_datagram_ = std::min<std::size_t>(
        kMaxRecordsPerDatagram, (dest_->max_message_bytes() - kHeaderBytes) / kRecordBytes);
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      if (r.ip_version != 4) {
        ++counters_.not_exported;
        continue;
      }
      clock_.observe(r);
      if (r.dir[0].packets != 0) {
        if (Status s = add_direction(r); !s) return s;
      }
      if (r.dir[1].packets != 0) {
        if (Status s = add_direction(ipfix::backward_as_forward(r)); !s) return s;
      }
      ++n_records_;
    }
    return {};
  }

  Status flush() override {
    if (finished_) return {};
    if (Status s = send(); !s) return s;
    return dest_->flush();
  }

  Status finish() override {
    if (finished_) return finish_dest();
    finished_ = true;
    if (Status s = dest_->status(); !s) return s;
    if (Status s = send(); !s) return s;
    return finish_dest();
  }

 private:
  uint8_t* msg() noexcept { return reinterpret_cast<uint8_t*>(dest_->cursor()); }

  // The direction in r.dir[0], split into records whose counters fit 32 bits.
  Status add_direction(const FlowRecord& r) {
    const DirStats& d = r.dir[0];
    const uint64_t parts = std::max<uint64_t>({1, (d.packets + kMaxCounter - 1) / kMaxCounter,
                                                (d.ip_bytes + kMaxCounter - 1) / kMaxCounter});
    counters_.split_records += parts - 1;
    for (uint64_t i = 0; i < parts; ++i) {
      const uint64_t pkts = d.packets / parts + (i < d.packets % parts ? 1 : 0);
      const uint64_t bytes = d.ip_bytes / parts + (i < d.ip_bytes % parts ? 1 : 0);
      if (n_in_msg_ == 0) {
        if (Status s = dest_->reserve(kHeaderBytes + per_datagram_ * kRecordBytes); !s) return s;
      }
      uint8_t* p = msg() + kHeaderBytes + n_in_msg_ * kRecordBytes;
      std::memset(p, 0, kRecordBytes);
      std::memcpy(p, r.src_addr.data(), 4);
      std::memcpy(p + 4, r.dst_addr.data(), 4);
      put16(p + 12, std::min<uint32_t>(r.ingress_if, 0xFFFF));  // input: ifIndex, 16 bits
      put32(p + 16, static_cast<uint32_t>(pkts));
      put32(p + 20, static_cast<uint32_t>(bytes));
      put32(p + 24, clock_.uptime_ms(d.first_ns / 1'000'000));
      put32(p + 28, clock_.uptime_ms(d.last_ns / 1'000'000));
      const bool icmp = r.proto == 1;
      put16(p + 32, icmp ? 0 : r.src_port);
      put16(p + 34, icmp ? (uint32_t{r.icmp_type} << 8 | r.icmp_code) : r.dst_port);
      p[37] = d.tcp_flags;
      p[38] = r.proto;
      p[39] = d.tos;
      ++n_in_msg_;
      ++counters_.export_records;
      if (n_in_msg_ == per_datagram_) {
        if (Status s = send(); !s) return s;
      }
    }
    return {};
  }

  Status send() {
    if (n_in_msg_ == 0) return {};
    uint8_t* h = msg();
    put16(h, kVersion);
    put16(h + 2, static_cast<uint32_t>(n_in_msg_));
    put32(h + 4, clock_.header_uptime_ms());
    put32(h + 8, static_cast<uint32_t>(clock_.export_s()));
    put32(h + 12, 0);  // unix_nsecs
    put32(h + 16, flow_sequence_);
    h[20] = static_cast<uint8_t>(opt_.observation_domain >> 8);  // engine_type
    h[21] = static_cast<uint8_t>(opt_.observation_domain);       // engine_id
    put16(h + 22, 0);                                            // not sampled
    flow_sequence_ += static_cast<uint32_t>(n_in_msg_);
    dest_->commit(kHeaderBytes + n_in_msg_ * kRecordBytes);
    n_in_msg_ = 0;
    ++counters_.messages;
    return dest_->end_message();
  }

  ExportOptions opt_;
  std::size_t per_datagram_ = kMaxRecordsPerDatagram;
  std::size_t n_in_msg_ = 0;
  uint32_t flow_sequence_ = 0;
  ExportClock clock_;
};

}  // namespace

Status open_netflow5_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                          std::unique_ptr<FlowSink>& out) {
  if (dest->max_message_bytes() < kHeaderBytes + kRecordBytes)
    return {Errc::invalid_argument, Origin::config,
            dest->name() + ": datagrams too small for a NetFlow v5 record: raise --mtu"};
  out = std::make_unique<Netflow5Sink>(cfg, std::move(dest));
  return {};
}

}  // namespace weir::detail

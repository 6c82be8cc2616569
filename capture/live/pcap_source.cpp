// SPDX-License-Identifier: Apache-2.0
#include "capture/live/pcap_source.hpp"

#include <net/if.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "capture/live/frame_scratch.hpp"
#include "capture/live/live_source.hpp"
#include "capture/live/pcap_errors.hpp"

namespace weir {

namespace {

constexpr int kBlockTimeoutMs = 10;
constexpr uint32_t kDefaultBufferKib = 32 * 1024;
constexpr int kLinktypeSll2 = 276;

class PcapLiveSource final : public LiveSource {
 public:
  PcapLiveSource(pcap_t* p, const CaptureSpec& spec, std::string describe)
      : p_(p),
        fd_(pcap_get_selectable_fd(p)),
        linktype_(static_cast<uint32_t>(pcap_datalink(p))),
        nano_(pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO),
        ifindex_(if_nametoindex(spec.interface.c_str())),
        snaplen_(static_cast<uint32_t>(pcap_snapshot(p))),
        poll_ms_(static_cast<int>(std::clamp<uint32_t>(spec.poll_timeout_ms, 1, 100))),
        arena_(std::max<std::size_t>(2u << 20, 4ull * snaplen_)),
        describe_(std::move(describe)) {}
  ~PcapLiveSource() override { pcap_close(p_); }

  RxResult rx_burst(std::span<PacketView> out) noexcept override {
    arena_.reset();
    out_ = out;
    n_ = 0;
    if (out.empty()) return {0, RxStatus::ok};
    int rc = dispatch();
    if (rc == 0 && n_ == 0) {
      if (!wait_readable(fd_, poll_ms_)) return {0, RxStatus::timeout};
      rc = dispatch();
    }
    if (rc == PCAP_ERROR) {
      // The interface went away (or down); packets before the fault are valid.
      const RxResult r =
          fail({Errc::io_error, "capture on " + describe_ + " failed: " + pcap_geterr(p_)});
      return {n_, r.status};
    }
    return {n_, n_ ? RxStatus::ok : RxStatus::timeout};
  }

  void refresh_stats() noexcept override {
    pcap_stat ps{};
    if (pcap_stats(p_, &ps) != 0) return;
    add_wrapping(stats_.kernel_drops, last_drop_, ps.ps_drop);
    add_wrapping(stats_.interface_drops, last_ifdrop_, ps.ps_ifdrop);
  }

  std::string describe() const override { return describe_; }
  bool applies_filter() const noexcept override { return true; }
  uint64_t delivery_delay_ns() const noexcept override { return kBlockTimeoutMs * 1'000'000ull; }

 private:
  int dispatch() noexcept {
    return pcap_dispatch(p_, static_cast<int>(out_.size() - n_), &PcapLiveSource::on_packet,
                         reinterpret_cast<u_char*>(this));
  }

  static void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* bytes) noexcept {
    reinterpret_cast<PcapLiveSource*>(user)->take(h, bytes);
  }

  void take(const pcap_pkthdr* h, const u_char* bytes) noexcept {
    // Room for a full frame is always kept (below), so the copy fits.
    uint8_t* copy = arena_.take(h->caplen);
    std::memcpy(copy, bytes, h->caplen);
    PacketView& v = out_[n_++];
    v.data = copy;
    v.cap_len = h->caplen;
    v.wire_len = std::max(h->len, h->caplen);
    v.ts_ns = static_cast<uint64_t>(h->ts.tv_sec) * 1'000'000'000ull +
              static_cast<uint64_t>(h->ts.tv_usec) * (nano_ ? 1u : 1000u);
    v.linktype = linktype_;
    v.interface_id = ifindex_;
    if (linktype_ == kLinktypeSll2 && h->caplen >= 8) {  // SLL2: interface index, bytes 4..7
      v.interface_id = static_cast<uint32_t>(copy[4]) << 24 |
                       static_cast<uint32_t>(copy[5]) << 16 |
                       static_cast<uint32_t>(copy[6]) << 8 | copy[7];
    }
    count(v);
    // End the burst when the next frame might not fit (or out is full).
    if (arena_.remaining() < snaplen_ || n_ == out_.size()) pcap_breakloop(p_);
  }

  pcap_t* p_;
  int fd_;
  uint32_t linktype_;
  bool nano_;
  uint32_t ifindex_;
  uint32_t snaplen_;
  int poll_ms_;
  FrameScratch arena_;
  std::string describe_;
  std::span<PacketView> out_;
  uint32_t n_ = 0;
  uint32_t last_drop_ = 0;
  uint32_t last_ifdrop_ = 0;
};

// pcap_set_* before activation only fail on an activated handle: not checked.
Status configure(pcap_t* p, const CaptureSpec& spec) {
  pcap_set_snaplen(p, static_cast<int>(spec.snaplen));
  pcap_set_promisc(p, spec.promiscuous ? 1 : 0);
  pcap_set_timeout(p, kBlockTimeoutMs);
  const uint64_t kib = spec.buffer_kib ? spec.buffer_kib : kDefaultBufferKib;
  if (kib > (1ull << 21)) {  // 2 GiB: libpcap takes an int
    return {Errc::invalid_argument, Origin::config,
            "-B " + std::to_string(kib) + ": the kernel buffer is at most 2097152 KiB"};
  }
  pcap_set_buffer_size(p, static_cast<int>(kib * 1024));
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);  // else microseconds
  return Status::ok();
}

Status set_filter(pcap_t* p, const CaptureSpec& spec) {
  if (spec.filter.empty()) return Status::ok();
  bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_lookupnet(spec.interface.c_str(), &net, &mask, errbuf) != 0) mask = PCAP_NETMASK_UNKNOWN;
  bpf_program prog{};
  if (pcap_compile(p, &prog, spec.filter.c_str(), 1, mask) != 0) {
    return {Errc::invalid_argument, Origin::config,
            "bad filter expression '" + spec.filter + "': " + pcap_geterr(p)};
  }
  const int rc = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) {
    return {Errc::io_error, Origin::input,
            "cannot set the filter on " + spec.interface + ": " + pcap_geterr(p)};
  }
  return Status::ok();
}

// On `any`, ask for SLL2 (interface index in every frame) when libpcap offers it.
void prefer_sll2(pcap_t* p) {
  int* dlts = nullptr;
  const int n = pcap_list_datalinks(p, &dlts);
  for (int i = 0; i < n; ++i) {
    if (dlts[i] == kLinktypeSll2) {
      pcap_set_datalink(p, kLinktypeSll2);
      break;
    }
  }
  if (n >= 0) pcap_free_datalinks(dlts);
}

}  // namespace

Status open_pcap_live(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  const std::string& iface = spec.interface;
  if (iface.empty()) return {Errc::invalid_argument, Origin::config, "-i: no interface given"};
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(iface.c_str(), errbuf);
  if (!p) return {Errc::io_error, Origin::input, "cannot open " + iface + ": " + errbuf};
  Status s = configure(p, spec);
  if (s) {
    if (const int rc = pcap_activate(p); rc < 0) s = pcap_activate_error(p, rc, iface);
  }
  if (s && iface == "any") prefer_sll2(p);
  if (s) s = set_filter(p, spec);
  if (s && pcap_setnonblock(p, 1, errbuf) != 0) {
    s = {Errc::io_error, Origin::input, "cannot capture on " + iface + ": " + errbuf};
  }
  if (!s) {
    pcap_close(p);
    return s;
  }
  const bool nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  std::string d = "pcap " + iface + " (snaplen " + std::to_string(pcap_snapshot(p)) +
                  ", buffer " + std::to_string(spec.buffer_kib ? spec.buffer_kib : kDefaultBufferKib) +
                  " KiB, " + (spec.promiscuous ? "promiscuous" : "not promiscuous") + ", " +
                  (nano ? "ns" : "us") + " timestamps, linktype " +
                  std::to_string(pcap_datalink(p)) +
                  (spec.filter.empty() ? "" : ", kernel filter '" + spec.filter + "'") + ")";
  out.push_back(std::make_unique<PcapLiveSource>(p, spec, std::move(d)));
  return Status::ok();
}

}  // namespace weir

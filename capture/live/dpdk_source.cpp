// SPDX-License-Identifier: Apache-2.0
#include "capture/live/dpdk_source.hpp"

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstring>
#include <mutex>
#include <set>

#include "capture/live/frame_scratch.hpp"
#include "capture/live/live_source.hpp"
#include "capture/soft_rss.hpp"

namespace weir {

namespace {

constexpr uint32_t kMaxBurst = 256;
constexpr uint32_t kPoolCache = 256;

// ---- EAL: once per process ----------------------------------------------------------

struct Eal {
  std::mutex mu;
  bool ready = false;
  bool failed = false;
  std::string error;
  std::vector<std::string> args;       // as first given
  std::vector<std::string> argv_store;  // EAL may keep pointers into argv
  std::vector<char*> argv;
  std::set<std::string> probed;        // vdevs hot-plugged later (devargs)
  std::set<uint16_t> ports_in_use;
};

Eal& eal() {
  static Eal e;
  return e;
}

Status split_args(const std::string& s, std::vector<std::string>& out) {
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quote) return {Errc::invalid_argument, Origin::config, "--eal: unterminated quote in '" + s + "'"};
  if (in_word) out.push_back(cur);
  return Status::ok();
}

// Splits EAL arguments into --vdev device strings and the rest.
void split_vdevs(const std::vector<std::string>& args, std::vector<std::string>& vdevs,
                 std::vector<std::string>& rest) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--vdev=", 0) == 0) {
      vdevs.push_back(args[i].substr(7));
    } else if (args[i] == "--vdev" && i + 1 < args.size()) {
      vdevs.push_back(args[++i]);
    } else {
      rest.push_back(args[i]);
    }
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

Status eal_ready_for(const std::string& eal_args) {
  Eal& e = eal();
  std::lock_guard lock(e.mu);
  if (e.failed) return {Errc::io_error, Origin::input, e.error};
  std::vector<std::string> args;
  if (Status s = split_args(eal_args, args); !s) return s;
  if (!e.ready) {
    e.args = args;
    e.argv_store = {"weir"};
    e.argv_store.insert(e.argv_store.end(), args.begin(), args.end());
    for (std::string& a : e.argv_store) e.argv.push_back(a.data());
    e.argv.push_back(nullptr);
    // EAL pins the calling thread to its main lcore; weir's threads start later from
    // this thread and must not inherit that.
    cpu_set_t saved;
    const bool have_mask = sched_getaffinity(0, sizeof saved, &saved) == 0;
    const int rc = rte_eal_init(static_cast<int>(e.argv_store.size()), e.argv.data());
    if (have_mask) sched_setaffinity(0, sizeof saved, &saved);
    if (rc < 0) {
      e.failed = true;
      e.error = std::string("DPDK EAL initialisation failed (") + rte_strerror(rte_errno) +
                ") with --eal '" + eal_args +
                "' (needs root; without hugepages and a NIC: --no-huge --no-pci --no-shconf)";
      return {Errc::io_error, Origin::input, e.error};
    }
    e.ready = true;
    return Status::ok();
  }
  std::vector<std::string> vdevs, rest, vdevs0, rest0;
  split_vdevs(args, vdevs, rest);
  split_vdevs(e.args, vdevs0, rest0);
  if (rest != rest0) {
    return {Errc::invalid_argument, Origin::config,
            "--eal '" + eal_args + "': DPDK is already initialised in this process with '" +
                join(e.args) + "' (only --vdev devices can be added)"};
  }
  for (const std::string& v : vdevs) {
    if (std::find(vdevs0.begin(), vdevs0.end(), v) != vdevs0.end() || e.probed.count(v)) continue;
    if (const int rc = rte_dev_probe(v.c_str()); rc < 0) {
      return {Errc::io_error, Origin::input,
              "DPDK: cannot add device '" + v + "': " + rte_strerror(-rc)};
    }
    e.probed.insert(v);
  }
  return Status::ok();
}

// ---- the port -----------------------------------------------------------------------

// Wall clock from the TSC: one rdtsc per burst, re-anchored on CLOCK_REALTIME every second.
class TscClock {
 public:
  TscClock() : hz_(rte_get_tsc_hz()), ns_per_tick_(1e9 / static_cast<double>(hz_)) { anchor(); }
  uint64_t now_ns() noexcept {
    const uint64_t t = rte_rdtsc();
    if (t - base_tsc_ > hz_) {
      anchor();
      return base_ns_;
    }
    return base_ns_ + static_cast<uint64_t>(static_cast<double>(t - base_tsc_) * ns_per_tick_);
  }
  uint64_t hz() const noexcept { return hz_; }

 private:
  void anchor() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    base_tsc_ = rte_rdtsc();
    base_ns_ = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
  }
  uint64_t hz_;
  double ns_per_tick_;
  uint64_t base_tsc_ = 0;
  uint64_t base_ns_ = 0;
};

struct Port {
  uint16_t id = 0;
  std::string name;
  std::string driver;
  rte_device* device = nullptr;
  bool remove_device = false;  // a vdev weir hot-plugged: removed again on close
  uint32_t queues = 1;         // weir queues
  uint32_t hw_queues = 1;
  bool sharded = false;
  bool rss = false;
  bool owned = false;  // registered in ports_in_use: closed on destruction
  bool started = false;
  int ts_offset = -1;  // net_pcap: µs timestamp dynfield
  uint64_t ts_flag = 0;
  std::vector<rte_mempool*> pools;
  std::vector<rte_ring*> rings;  // software sharding: one per weir queue

  ~Port() {
    if (!owned) return;
    if (started) rte_eth_dev_stop(id);
    if (remove_device && device) {
      rte_dev_remove(device);
    } else {
      rte_eth_dev_close(id);
    }
    for (rte_ring* r : rings) {
      void* m = nullptr;
      while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      rte_ring_free(r);
    }
    for (rte_mempool* p : pools) rte_mempool_free(p);
    Eal& e = eal();
    std::lock_guard lock(e.mu);
    e.ports_in_use.erase(id);
  }
};

class DpdkQueueSource final : public LiveSource {
 public:
  DpdkQueueSource(std::shared_ptr<Port> port, uint32_t q, const CaptureSpec& spec, std::string d)
      : port_(std::move(port)),
        q_(q),
        snaplen_(spec.snaplen),
        poll_ms_(std::clamp<uint32_t>(spec.poll_timeout_ms, 1, 100)),
        idle_sleep_us_(spec.dpdk.idle_sleep_us),
        fields_(spec.shard),
        scratch_(std::max<std::size_t>(1u << 20, 2ull * (spec.snaplen + 8))),
        describe_(std::move(d)) {
    if (port_->sharded && q_ == 0) {
      pend_.resize(port_->queues);
      pend_n_.assign(port_->queues, 0);
    }
  }
  ~DpdkQueueSource() override {
    rte_pktmbuf_free_bulk(held_.data(), n_held_);
    rte_pktmbuf_free_bulk(carry_.data(), n_carry_);
    for (std::size_t t = 0; t < pend_.size(); ++t) rte_pktmbuf_free_bulk(pend_[t].data(), pend_n_[t]);
  }

  RxResult rx_burst(std::span<PacketView> out) noexcept override {
    if (n_held_) {
      rte_pktmbuf_free_bulk(held_.data(), n_held_);
      n_held_ = 0;
    }
    scratch_.reset();
    const uint32_t want = static_cast<uint32_t>(std::min<std::size_t>(out.size(), kMaxBurst));
    if (want == 0) return {0, RxStatus::ok};
    const uint64_t hz = clock_.hz();
    const uint64_t start = rte_rdtsc();
    uint64_t last_activity = start;
    for (uint32_t polls = 1;; ++polls) {
      const bool active = fetch(want);
      if (n_carry_) {
        if (const uint32_t n = deliver(out.first(want)); n) return {n, RxStatus::ok};
      }
      if (polls % 32 != 0) {
        rte_pause();
        continue;
      }
      const uint64_t now = rte_rdtsc();
      if (active) last_activity = now;
      if (now - start >= hz / 1000 * poll_ms_) return {0, RxStatus::timeout};
      if (idle_sleep_us_ && now - last_activity >= hz / 1000) {
        const timespec ts{0, static_cast<long>(idle_sleep_us_) * 1000};
        nanosleep(&ts, nullptr);
      }
    }
  }

  void refresh_stats() noexcept override {
    if (q_ != 0) return;
    rte_eth_stats st{};
    if (rte_eth_stats_get(port_->id, &st) != 0) return;
    stats_.kernel_drops = st.imissed;
    stats_.interface_drops = st.ierrors + st.rx_nombuf;
  }

  std::string describe() const override { return describe_; }

 private:
  // Takes packets into carry_ (up to want); true when the port gave anything (to this
  // queue or, on the distributing queue, to any).
  bool fetch(uint32_t want) noexcept {
    if (n_carry_ >= want) return true;
    rte_mbuf** dst = carry_.data() + n_carry_;
    const uint32_t room = want - n_carry_;
    uint32_t got = 0;
    bool distributed = false;
    if (port_->sharded) {
      if (q_ == 0) distributed = distribute();
      got = rte_ring_dequeue_burst(port_->rings[q_], reinterpret_cast<void**>(dst), room, nullptr);
    } else {
      got = rte_eth_rx_burst(port_->id, static_cast<uint16_t>(q_), dst, static_cast<uint16_t>(room));
    }
    n_carry_ += got;
    return got > 0 || distributed;
  }

  // Queue 0 of a sharded port: pending mbufs first (back-pressure), then one poll.
  bool distribute() noexcept {
    bool blocked = false;
    for (uint32_t t = 0; t < pend_.size(); ++t) blocked |= !flush_pending(t);
    if (blocked) return false;
    std::array<rte_mbuf*, kMaxBurst> in;
    const uint16_t n = rte_eth_rx_burst(port_->id, 0, in.data(), kMaxBurst);
    const uint32_t nq = port_->queues;
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* m = in[i];
      PacketView pv;
      pv.data = rte_pktmbuf_mtod(m, const uint8_t*);
      pv.cap_len = m->data_len;
      pv.wire_len = m->pkt_len;
      pv.linktype = 1;
      const uint32_t t = rss_queue(rss_hash(pv, fields_), nq);
      pend_[t][pend_n_[t]++] = m;
    }
    for (uint32_t t = 0; t < pend_.size(); ++t) flush_pending(t);
    return n > 0;
  }

  // Moves pending mbufs of queue t to its ring; false when some are still pending.
  bool flush_pending(uint32_t t) noexcept {
    const uint32_t n = pend_n_[t];
    if (n == 0) return true;
    const uint32_t k = rte_ring_enqueue_burst(port_->rings[t], reinterpret_cast<void**>(pend_[t].data()), n, nullptr);
    if (k < n) std::memmove(pend_[t].data(), pend_[t].data() + k, (n - k) * sizeof(rte_mbuf*));
    pend_n_[t] = n - k;
    return k == n;
  }

  // Views for carry_[0..); the delivered mbufs become held_ (freed next burst).
  uint32_t deliver(std::span<PacketView> out) noexcept {
    const bool pmd_ts = port_->ts_offset >= 0;
    const uint64_t burst_ns = pmd_ts ? 0 : clock_.now_ns();
    uint32_t i = 0;
    for (; i < n_carry_ && i < out.size(); ++i) {
      rte_mbuf* m = carry_[i];
      PacketView& v = out[i];
      const uint32_t len = m->pkt_len;
      const uint32_t cap = std::min(len, snaplen_);
      uint32_t tags = 0;
      if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) tags = (m->ol_flags & RTE_MBUF_F_RX_QINQ_STRIPPED) ? 8 : 4;
      if (tags == 0 && cap <= m->data_len) {
        v.data = rte_pktmbuf_mtod(m, const uint8_t*);
      } else {
        uint8_t* dst = scratch_.take(cap + tags);
        if (!dst) break;  // delivered first next burst
        v.data = rebuild(m, cap, tags, dst);
      }
      v.cap_len = cap + (cap >= 12 ? tags : 0);
      v.wire_len = len + (cap >= 12 ? tags : 0);
      if (pmd_ts && (m->ol_flags & port_->ts_flag)) {
        v.ts_ns = *RTE_MBUF_DYNFIELD(m, port_->ts_offset, uint64_t*) * 1000ull;
      } else {
        v.ts_ns = pmd_ts ? clock_.now_ns() : burst_ns;
      }
      v.linktype = 1;
      v.interface_id = port_->id;
      count(v);
      held_[i] = m;
    }
    n_held_ = i;
    n_carry_ -= i;
    if (n_carry_) std::memmove(carry_.data(), carry_.data() + i, n_carry_ * sizeof(rte_mbuf*));
    return i;
  }

  // The frame of m, contiguous, with stripped tags put back: dst holds cap + tags bytes.
  static const uint8_t* rebuild(const rte_mbuf* m, uint32_t cap, uint32_t tags, uint8_t* dst) noexcept {
    uint8_t* body = dst + tags;
    const void* p = rte_pktmbuf_read(m, 0, cap, body);
    if (p != body) std::memcpy(body, p, cap);
    if (tags == 0 || cap < 12) {
      if (tags && cap) std::memmove(dst, body, cap);
      return dst;
    }
    uint8_t frame[12];
    std::memcpy(frame, body, 12);
    std::memcpy(dst, frame, 12);
    uint8_t* tag = dst + 12;
    if (tags == 8) {  // QinQ: outer (S-tag) then inner
      const uint8_t outer[4] = {0x88, 0xa8, static_cast<uint8_t>(m->vlan_tci_outer >> 8),
                                static_cast<uint8_t>(m->vlan_tci_outer)};
      std::memcpy(tag, outer, 4);
      tag += 4;
    }
    const uint8_t inner[4] = {0x81, 0x00, static_cast<uint8_t>(m->vlan_tci >> 8),
                              static_cast<uint8_t>(m->vlan_tci)};
    std::memcpy(tag, inner, 4);
    // Bytes 12.. of the frame are already at dst + 12 + tags (= body + 12).
    return dst;
  }

  std::shared_ptr<Port> port_;
  uint32_t q_;
  uint32_t snaplen_;
  uint32_t poll_ms_;
  uint32_t idle_sleep_us_;
  RssFields fields_;
  FrameScratch scratch_;
  TscClock clock_;
  std::string describe_;
  std::array<rte_mbuf*, kMaxBurst> held_{};   // delivered in the last burst
  uint32_t n_held_ = 0;
  std::array<rte_mbuf*, kMaxBurst> carry_{};  // received, not yet delivered
  uint32_t n_carry_ = 0;
  std::vector<std::array<rte_mbuf*, kMaxBurst>> pend_;  // distributing queue: per target
  std::vector<uint32_t> pend_n_;
};

Status find_port(const std::string& name, uint16_t& port) {
  const bool numeric = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (numeric && name.size() < 6 && rte_eth_dev_is_valid_port(static_cast<uint16_t>(std::stoul(name)))) {
    port = static_cast<uint16_t>(std::stoul(name));
    return Status::ok();
  }
  if (!numeric && rte_eth_dev_get_port_by_name(name.c_str(), &port) == 0) return Status::ok();
  std::string known;
  uint16_t p = 0;
  RTE_ETH_FOREACH_DEV(p) {
    char n[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(p, n);
    known += (known.empty() ? "" : ", ") + std::to_string(p) + " = " + n;
  }
  return {Errc::not_found, Origin::input,
          "dpdk: no port '" + name + "' (ports: " + (known.empty() ? "none" : known) +
              "; give devices with --eal, e.g. -a PCI_ADDRESS or --vdev=...)"};
}

Status setup_port(const CaptureSpec& spec, Port& port) {
  const std::string where = "dpdk:" + port.name + ": ";
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port.id, &info); rc != 0) {
    return {Errc::io_error, Origin::input, where + "cannot read device info: " + rte_strerror(-rc)};
  }
  port.driver = info.driver_name ? info.driver_name : "";
  port.device = info.device;
  const uint32_t n = spec.queues;
  const bool af_packet = port.driver == "net_af_packet";
  uint64_t rss_hf = spec.shard == RssFields::l3
                        ? RTE_ETH_RSS_IP
                        : (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_SCTP);
  rss_hf &= info.flow_type_rss_offloads;
  if (af_packet && info.max_rx_queues != n) {
    return {Errc::invalid_argument, Origin::config,
            where + "net_af_packet has qpairs=" + std::to_string(info.max_rx_queues) +
                " sockets; capture with the same number of queues (-w " +
                std::to_string(info.max_rx_queues) + ")"};
  }
  port.queues = n;
  if (n == 1 || af_packet || (rss_hf != 0 && info.max_rx_queues >= n)) {
    port.hw_queues = n;
    port.rss = n > 1 && !af_packet;
  } else {
    port.hw_queues = 1;
    port.sharded = true;
  }
  rte_eth_conf conf{};
  static std::array<uint8_t, 64> key;
  if (port.rss) {
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = kSymmetricRssKey[i % 2];
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_key = key.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size ? info.hash_key_size : 40;
    conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
  }
  if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
  if (int rc = rte_eth_dev_configure(port.id, static_cast<uint16_t>(port.hw_queues), 0, &conf); rc != 0) {
    return {Errc::io_error, Origin::input, where + "cannot configure " + std::to_string(port.hw_queues) +
                                               " RX queues: " + rte_strerror(-rc)};
  }
  uint16_t rxd = static_cast<uint16_t>(std::clamp<uint32_t>(spec.dpdk.rx_desc, 32, 32768));
  uint16_t txd = 0;
  rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rxd, &txd);
  static uint32_t serial = 0;
  const int socket = rte_eth_dev_socket_id(port.id);
  for (uint32_t q = 0; q < port.hw_queues; ++q) {
    const std::string pname = "weir_p" + std::to_string(port.id) + "_" + std::to_string(serial++);
    const uint32_t cache = std::min(kPoolCache, spec.dpdk.mbufs / 2);
    rte_mempool* pool = rte_pktmbuf_pool_create(pname.c_str(), spec.dpdk.mbufs, cache, 0,
                                                RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (!pool) {
      return {Errc::no_memory, Origin::input,
              where + "cannot create a pool of " + std::to_string(spec.dpdk.mbufs) +
                  " mbufs: " + rte_strerror(rte_errno) + " (more hugepages, or -m with --no-huge)"};
    }
    port.pools.push_back(pool);
    if (int rc = rte_eth_rx_queue_setup(port.id, static_cast<uint16_t>(q), rxd,
                                        static_cast<unsigned>(socket), nullptr, pool); rc != 0) {
      return {Errc::io_error, Origin::input, where + "cannot set up RX queue " + std::to_string(q) +
                                                 ": " + rte_strerror(-rc)};
    }
  }
  if (port.sharded) {
    uint32_t size = 1;
    while (size < std::max<uint32_t>(spec.dpdk.shard_ring, 64)) size <<= 1;
    for (uint32_t q = 0; q < n; ++q) {
      const std::string rname = "weir_r" + std::to_string(port.id) + "_" + std::to_string(serial++);
      rte_ring* r = rte_ring_create(rname.c_str(), size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (!r) return {Errc::no_memory, Origin::input, where + "cannot create a sharding ring: " + rte_strerror(rte_errno)};
      port.rings.push_back(r);
    }
  }
  if (spec.promiscuous) rte_eth_promiscuous_enable(port.id);  // not every PMD has it
  if (int rc = rte_eth_dev_start(port.id); rc != 0) {
    return {Errc::io_error, Origin::input, where + "cannot start: " + rte_strerror(-rc)};
  }
  port.started = true;
  if (port.driver == "net_pcap") {  // its timestamp dynfield holds µs since the epoch
    port.ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    if (port.ts_offset < 0 || bit < 0) {
      port.ts_offset = -1;
    } else {
      port.ts_flag = 1ull << bit;
    }
  }
  return Status::ok();
}

}  // namespace

Status open_dpdk(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  if (spec.queues == 0 || spec.queues > 1024) {
    return {Errc::invalid_argument, Origin::config,
            "dpdk: " + std::to_string(spec.queues) + " queues: use 1 to 1024"};
  }
  if (Status s = eal_ready_for(spec.eal_args); !s) return s;
  auto port = std::make_shared<Port>();
  port->name = spec.interface;
  if (Status s = find_port(spec.interface, port->id); !s) return s;
  {
    Eal& e = eal();
    std::lock_guard lock(e.mu);
    if (!e.ports_in_use.insert(port->id).second) {
      return {Errc::invalid_argument, Origin::config, "dpdk:" + spec.interface + " is already open"};
    }
    port->owned = true;
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(port->id, name);
    for (const std::string& v : e.probed) {
      if (v.compare(0, std::strlen(name), name) == 0 && (v.size() == std::strlen(name) || v[std::strlen(name)] == ',')) {
        port->remove_device = true;
      }
    }
  }
  if (Status s = setup_port(spec, *port); !s) return s;
  const std::string mode = port->sharded ? "1 hardware queue sharded in software (symmetric Toeplitz)"
                           : port->rss   ? "RSS, symmetric key"
                           : port->driver == "net_af_packet" && spec.queues > 1 ? "af_packet fanout"
                                                                                : "1 queue";
  for (uint32_t q = 0; q < spec.queues; ++q) {
    std::string d = "dpdk " + spec.interface + " (port " + std::to_string(port->id) + ", " +
                    port->driver + ") queue " + std::to_string(q) + "/" +
                    std::to_string(spec.queues) + " (" + mode + ", snaplen " +
                    std::to_string(spec.snaplen) + ")";
    out.push_back(std::make_unique<DpdkQueueSource>(port, q, spec, std::move(d)));
  }
  return Status::ok();
}

void dpdk_cleanup() noexcept {
  Eal& e = eal();
  std::lock_guard lock(e.mu);
  if (e.ready) rte_eal_cleanup();
  e.ready = false;
  e.failed = true;
  e.error = "DPDK was shut down in this process";
}

}  // namespace weir

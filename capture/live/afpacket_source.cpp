// SPDX-License-Identifier: Apache-2.0
#include "capture/live/afpacket_source.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "capture/live/frame_scratch.hpp"
#include "capture/live/kernel_filter.hpp"
#include "capture/live/live_source.hpp"

namespace weir {

namespace {

constexpr uint32_t kDefaultBlocks = 64;

std::string errno_text() { return std::strerror(errno); }

// The interface's rx_dropped counter (0 if unreadable).
uint64_t read_rx_dropped(const std::string& iface) {
  std::ifstream f("/sys/class/net/" + iface + "/statistics/rx_dropped");
  uint64_t v = 0;
  f >> v;
  return v;
}

// Classic BPF for the l3 fanout: the XOR of the source and destination addresses
// (IPv4: 1 word each; IPv6: 4), mixed by a multiply; 0 for anything that is not IP. The
// kernel takes the result modulo the group size. Loads are relative to the network
// header (SKF_NET_OFF), which the kernel has set past any VLAN tag it removed.
std::vector<sock_filter> host_pair_program() {
  const uint32_t net = static_cast<uint32_t>(SKF_NET_OFF);
  std::vector<sock_filter> p = {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, static_cast<uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 5),  // -> IPv6 test
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 12),         // IPv4 source
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 16),         // IPv4 destination
      BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
      BPF_STMT(BPF_JMP | BPF_JA, 0),                        // patched: -> mix
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  // IPv6: X = XOR of the 8 address words, then A = X.
  p.push_back(BPF_STMT(BPF_LDX | BPF_IMM, 0));
  for (uint32_t off = 8; off < 40; off += 4) {
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + off));
    p.push_back(BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0));
    p.push_back(BPF_STMT(BPF_MISC | BPF_TAX, 0));
  }
  p.push_back(BPF_STMT(BPF_MISC | BPF_TXA, 0));
  const uint32_t mix = static_cast<uint32_t>(p.size());
  p[6].k = mix - 7;  // ja is relative to the next instruction
  p.push_back(BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u));
  p.push_back(BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16));
  p.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
  return p;
}

Status attach_filter(int fd, std::vector<sock_filter>& prog, const std::string& iface) {
  sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) != 0) {
    return {Errc::io_error, Origin::input, "afpacket " + iface + ": cannot attach the filter: " + errno_text()};
  }
  return Status::ok();
}

struct Ring {
  uint32_t block_bytes = 0;
  uint32_t blocks = 0;
  uint32_t frame_bytes = 0;
};

Status ring_geometry(const CaptureSpec& spec, Ring& r) {
  const AfPacketSpec& a = spec.afpacket;
  const std::string where = "afpacket " + spec.interface + ": ";
  if (a.block_kib < 4 || a.block_kib > (1u << 20) || (a.block_kib & (a.block_kib - 1)) != 0) {
    return {Errc::invalid_argument, Origin::config,
            where + "ring block size " + std::to_string(a.block_kib) +
                " KiB: use a power of two from 4 to 1048576"};
  }
  r.block_bytes = a.block_kib * 1024;
  if (r.block_bytes < spec.snaplen + TPACKET3_HDRLEN + 64) {
    return {Errc::invalid_argument, Origin::config,
            where + "ring block of " + std::to_string(a.block_kib) +
                " KiB cannot hold a frame of the snap length (" + std::to_string(spec.snaplen) +
                "): raise the block size or lower -s"};
  }
  uint64_t blocks = a.blocks;
  if (blocks == 0) blocks = spec.buffer_kib ? spec.buffer_kib / a.block_kib : kDefaultBlocks;
  if (blocks < 2 || blocks * r.block_bytes > (1ull << 34)) {
    return {Errc::invalid_argument, Origin::config,
            where + "ring of " + std::to_string(blocks) + " blocks of " +
                std::to_string(a.block_kib) + " KiB: use 2 blocks or more, 16 GiB at most"};
  }
  r.blocks = static_cast<uint32_t>(blocks);
  r.frame_bytes = a.frame_bytes;
  if (r.frame_bytes < TPACKET3_HDRLEN || r.frame_bytes % TPACKET_ALIGNMENT != 0 ||
      r.block_bytes % r.frame_bytes != 0) {
    return {Errc::invalid_argument, Origin::config,
            where + "ring frame size " + std::to_string(r.frame_bytes) +
                ": a multiple of 16, at least " + std::to_string(TPACKET3_HDRLEN) +
                ", dividing the block size"};
  }
  return Status::ok();
}

class AfPacketSource final : public LiveSource {
 public:
  AfPacketSource(int fd, uint8_t* map, const Ring& ring, const CaptureSpec& spec, uint32_t ifindex,
                 uint32_t queue, std::string describe)
      : fd_(fd),
        map_(map),
        ring_(ring),
        ifindex_(ifindex),
        queue_(queue),
        poll_ms_(static_cast<int>(std::clamp<uint32_t>(spec.poll_timeout_ms, 1, 100))),
        block_timeout_ns_(spec.afpacket.block_timeout_ms * 1'000'000ull),
        scratch_(std::max<std::size_t>(1u << 20, 2ull * (spec.snaplen + 4))),
        iface_(spec.interface),
        describe_(std::move(describe)) {
    if (queue_ == 0) rx_dropped_base_ = read_rx_dropped(iface_);
  }
  ~AfPacketSource() override {
    munmap(map_, static_cast<std::size_t>(ring_.block_bytes) * ring_.blocks);
    close(fd_);
  }

  RxResult rx_burst(std::span<PacketView> out) noexcept override {
    release_walked_blocks();
    scratch_.reset();
    uint32_t n = walk(out);
    if (n == 0 && !out.empty()) {
      if (!wait_readable(fd_, poll_ms_)) return {0, RxStatus::timeout};
      n = walk(out);
    }
    return {n, n ? RxStatus::ok : RxStatus::timeout};
  }

  void refresh_stats() noexcept override {
    tpacket_stats_v3 st{};
    socklen_t len = sizeof st;
    // Reading resets the kernel's counters: accumulate.
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) stats_.kernel_drops += st.tp_drops;
    if (queue_ == 0) {
      const uint64_t now = read_rx_dropped(iface_);
      stats_.interface_drops = now >= rx_dropped_base_ ? now - rx_dropped_base_ : 0;
    }
  }

  std::string describe() const override { return describe_; }
  bool applies_filter() const noexcept override { return true; }
  uint64_t delivery_delay_ns() const noexcept override { return block_timeout_ns_; }

 private:
  tpacket_block_desc* block(uint32_t i) const noexcept {
    return reinterpret_cast<tpacket_block_desc*>(map_ + static_cast<std::size_t>(i) * ring_.block_bytes);
  }

  // Blocks whose last packet went out in the previous burst are free again.
  void release_walked_blocks() noexcept {
    uint32_t i = (cur_ + ring_.blocks - walked_) % ring_.blocks;
    for (; walked_ > 0; --walked_, i = (i + 1) % ring_.blocks) {
      __atomic_store_n(&block(i)->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    }
  }

  uint32_t walk(std::span<PacketView> out) noexcept {
    uint32_t n = 0;
    while (n < out.size()) {
      if (left_ == 0) {
        // Every block walked and not yet released: the next one is ours again.
        if (walked_ == ring_.blocks) break;
        tpacket_block_desc* b = block(cur_);
        if (!(__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) break;
        left_ = b->hdr.bh1.num_pkts;
        pkt_ = reinterpret_cast<uint8_t*>(b) + b->hdr.bh1.offset_to_first_pkt;
        if (left_ == 0) {
          next_block();
          continue;
        }
      }
      const auto* h = reinterpret_cast<const tpacket3_hdr*>(pkt_);
      PacketView& v = out[n];
      v.data = pkt_ + h->tp_mac;
      v.cap_len = h->tp_snaplen;
      v.wire_len = std::max(h->tp_len, h->tp_snaplen);
      if (h->tp_status & TP_STATUS_VLAN_VALID) {
        uint8_t* dst = scratch_.take(v.cap_len + 4);
        if (!dst) break;  // taken first in the next burst
        const uint16_t tpid =
            (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
        const uint32_t added = insert_vlan_tag(dst, v.data, v.cap_len, tpid, h->hv1.tp_vlan_tci);
        v.data = dst;
        v.cap_len += added;
        v.wire_len += added;
      }
      v.ts_ns = static_cast<uint64_t>(h->tp_sec) * 1'000'000'000ull + h->tp_nsec;
      v.linktype = 1;  // Ethernet (the backend refuses other link types)
      v.interface_id = ifindex_;
      count(v);
      ++n;
      if (--left_ == 0) {
        next_block();
      } else {
        pkt_ += h->tp_next_offset;
      }
    }
    return n;
  }

  void next_block() noexcept {
    ++walked_;
    cur_ = (cur_ + 1) % ring_.blocks;
  }

  int fd_;
  uint8_t* map_;
  Ring ring_;
  uint32_t ifindex_;
  uint32_t queue_;
  int poll_ms_;
  uint64_t block_timeout_ns_;
  FrameScratch scratch_;
  std::string iface_;
  std::string describe_;
  uint32_t cur_ = 0;          // block being walked, or the next to look at
  uint32_t left_ = 0;         // packets of block cur_ not yet handed out (0: not started)
  const uint8_t* pkt_ = nullptr;
  uint32_t walked_ = 0;       // blocks before cur_ walked to the end, not yet released
  uint64_t rx_dropped_base_ = 0;
};

// One socket: ring, drop-everything filter, bound, promiscuous, in the fanout group.
struct OpenSocket {
  int fd = -1;
  uint8_t* map = nullptr;
};

Status open_socket(const CaptureSpec& spec, const Ring& ring, int ifindex, OpenSocket& s) {
  const std::string where = "afpacket " + spec.interface + ": ";
  s.fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (s.fd < 0) {
    const bool perm = errno == EPERM || errno == EACCES;
    return {Errc::io_error, Origin::input,
            where + "cannot open a packet socket: " + errno_text() +
                (perm ? " (live capture needs root or CAP_NET_RAW: setcap cap_net_raw=eip weir)" : "")};
  }
  int version = TPACKET_V3;
  if (setsockopt(s.fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
    return {Errc::unsupported, Origin::input, where + "TPACKET_V3 not supported: " + errno_text()};
  }
  tpacket_req3 req{};
  req.tp_block_size = ring.block_bytes;
  req.tp_block_nr = ring.blocks;
  req.tp_frame_size = ring.frame_bytes;
  req.tp_frame_nr = ring.block_bytes / ring.frame_bytes * ring.blocks;
  req.tp_retire_blk_tov = spec.afpacket.block_timeout_ms;
  if (setsockopt(s.fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) != 0) {
    return {Errc::no_memory, Origin::input,
            where + "cannot create a ring of " + std::to_string(ring.blocks) + " x " +
                std::to_string(ring.block_bytes / 1024) + " KiB: " + errno_text()};
  }
  const std::size_t len = static_cast<std::size_t>(ring.block_bytes) * ring.blocks;
  void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
  if (m == MAP_FAILED) return {Errc::no_memory, Origin::input, where + "cannot map the ring: " + errno_text()};
  s.map = static_cast<uint8_t*>(m);
  std::vector<sock_filter> drop_all = {BPF_STMT(BPF_RET | BPF_K, 0)};
  if (Status st = attach_filter(s.fd, drop_all, spec.interface); !st) return st;
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifindex;
  if (bind(s.fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
    return {Errc::io_error, Origin::input, where + "cannot bind: " + errno_text()};
  }
  if (spec.promiscuous) {
    packet_mreq mr{};
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(s.fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) != 0) {
      return {Errc::io_error, Origin::input, where + "cannot enter promiscuous mode: " + errno_text()};
    }
  }
  return Status::ok();
}

// Joins s to the group (creating it when group_id < 0). Returns the group id.
Status join_fanout(const CaptureSpec& spec, int fd, int& group_id) {
  const std::string where = "afpacket " + spec.interface + ": ";
  const bool l3 = spec.shard == RssFields::l3;
  uint32_t type = l3 ? PACKET_FANOUT_CBPF : PACKET_FANOUT_HASH;
  if (spec.afpacket.defrag) type |= PACKET_FANOUT_FLAG_DEFRAG;
  const bool first = group_id < 0;
  uint32_t arg = (first ? (type | PACKET_FANOUT_FLAG_UNIQUEID) : type) << 16 |
                 (first ? 0u : static_cast<uint32_t>(group_id));
  if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
    return {Errc::io_error, Origin::input, where + "cannot join a fanout group: " + errno_text()};
  }
  if (!first) return Status::ok();
  uint32_t got = 0;
  socklen_t len = sizeof got;
  if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &got, &len) != 0) {
    return {Errc::io_error, Origin::input, where + "cannot read the fanout group: " + errno_text()};
  }
  group_id = static_cast<int>(got & 0xffff);
  if (l3) {
    std::vector<sock_filter> prog = host_pair_program();
    sock_fprog fp{static_cast<unsigned short>(prog.size()), prog.data()};
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fp, sizeof fp) != 0) {
      return {Errc::io_error, Origin::input, where + "cannot set the fanout program: " + errno_text()};
    }
  }
  return Status::ok();
}

}  // namespace

Status open_afpacket(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out) {
  const std::string& iface = spec.interface;
  const std::string where = "afpacket " + iface + ": ";
  if (iface.empty() || iface == "any") {
    return {Errc::invalid_argument, Origin::config,
            "afpacket: give one interface (afpacket:IFACE); for `any` use -i any (libpcap)"};
  }
  if (spec.queues == 0 || spec.queues > 1024) {
    return {Errc::invalid_argument, Origin::config, where + std::to_string(spec.queues) +
                                                        " queues: use 1 to 1024"};
  }
  const unsigned ifindex = if_nametoindex(iface.c_str());
  if (ifindex == 0) return {Errc::not_found, Origin::input, "no such interface: " + iface};
  Ring ring;
  if (Status s = ring_geometry(spec, ring); !s) return s;
  std::vector<sock_filter> filter;
  if (Status s = compile_kernel_filter(iface, spec.filter, spec.snaplen, filter); !s) return s;

  std::vector<OpenSocket> socks(spec.queues);
  auto close_all = [&socks, &ring] {
    for (OpenSocket& s : socks) {
      if (s.map) munmap(s.map, static_cast<std::size_t>(ring.block_bytes) * ring.blocks);
      if (s.fd >= 0) close(s.fd);
    }
  };
  int group = -1;
  Status st;
  for (uint32_t q = 0; q < spec.queues && st; ++q) {
    st = open_socket(spec, ring, static_cast<int>(ifindex), socks[q]);
    if (st && spec.queues > 1) st = join_fanout(spec, socks[q].fd, group);
  }
  for (uint32_t q = 0; q < spec.queues && st; ++q) st = attach_filter(socks[q].fd, filter, iface);
  if (!st) {
    close_all();
    return st;
  }
  const std::string mode =
      spec.queues == 1 ? std::string("no fanout")
                       : std::string(spec.shard == RssFields::l3 ? "fanout host-pair (cbpf)"
                                                                 : "fanout hash") +
                             (spec.afpacket.defrag ? "+defrag" : "") + " group " +
                             std::to_string(group);
  for (uint32_t q = 0; q < spec.queues; ++q) {
    std::string d = "afpacket " + iface + " queue " + std::to_string(q) + "/" +
                    std::to_string(spec.queues) + " (TPACKET_V3 " + std::to_string(ring.blocks) +
                    " x " + std::to_string(ring.block_bytes / 1024) + " KiB, block timeout " +
                    std::to_string(spec.afpacket.block_timeout_ms) + " ms, snaplen " +
                    std::to_string(spec.snaplen) + ", " + mode +
                    (spec.promiscuous ? ", promiscuous" : "") +
                    (spec.filter.empty() ? "" : ", kernel filter '" + spec.filter + "'") + ")";
    out.push_back(std::make_unique<AfPacketSource>(socks[q].fd, socks[q].map, ring, spec, ifindex,
                                                   q, std::move(d)));
    socks[q] = {};
  }
  return Status::ok();
}

}  // namespace weir

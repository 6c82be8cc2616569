// SPDX-License-Identifier: Apache-2.0
// PacketBuilder: a small fluent builder of link-layer frames for tests (header only).
//
// Layers are listed outermost first; build() serialises them and fills every field that
// depends on the next layer or on the total size, unless overridden: ethertypes / TPIDs,
// IP protocol and IPv6 next-header numbers, the PPP protocol, the MPLS bottom-of-stack
// bit, IPv4 total length and header checksum, IPv6 payload length, UDP and PPPoE lengths.
// Setters that follow a layer (ip_id, frag, ttl, tcp_seq, tcp_options, ...) change the most
// recent layer of that kind. Checksums of L4 headers are left 0 (the decoder ignores them).
//
//   Frame f = PacketBuilder().eth().vlan(42).ipv4("10.0.0.1", "10.0.0.2")
//                 .tcp(1234, 80, kSyn).payload(100).truncate(60).build();
//   PacketView v = f.view(/*ts_ns=*/1000);   // linktype 1, cap_len 60, wire_len 168
//
// Link layers: eth, sll, sll2, null_af (BSD NULL, either byte order), loop_af (LOOP),
// ppp (optional ff 03), chdlc; none = raw IP (linktype 101 unless set with linktype()).
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/packet_view.hpp"

namespace weir::test {

using Mac = std::array<uint8_t, 6>;

inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

// A built frame. bytes holds the captured part (after truncate()); wire_len the full size.
struct Frame {
  std::vector<uint8_t> bytes;
  uint32_t wire_len = 0;
  uint32_t linktype = 1;

  PacketView view(uint64_t ts_ns = 0) const {
    PacketView v;
    v.data = bytes.data();
    v.cap_len = static_cast<uint32_t>(bytes.size());
    v.wire_len = wire_len;
    v.ts_ns = ts_ns;
    v.linktype = linktype;
    return v;
  }
};

inline std::array<uint8_t, 4> ip4(std::string_view s) {
  std::array<uint8_t, 4> a{};
  if (inet_pton(AF_INET, std::string(s).c_str(), a.data()) != 1)
    throw std::invalid_argument("bad IPv4 address: " + std::string(s));
  return a;
}

inline std::array<uint8_t, 16> ip6(std::string_view s) {
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET6, std::string(s).c_str(), a.data()) != 1)
    throw std::invalid_argument("bad IPv6 address: " + std::string(s));
  return a;
}

class PacketBuilder {
 public:
  // ---- link layers (at most one, first) ----
  PacketBuilder& eth(Mac dst = {2, 0, 0, 0, 0, 2}, Mac src = {2, 0, 0, 0, 0, 1}) {
    Layer l{Kind::eth};
    // Sized first, then filled: GCC 12 at -O2 with sanitizers reports false bounds
    // errors for assign() + insert() of two small arrays.
    l.raw.resize(12);
    for (std::size_t i = 0; i < 6; ++i) {
      l.raw[i] = dst[i];
      l.raw[6 + i] = src[i];
    }
    return push(l, 1);
  }
  // Linux cooked v1 (113) / v2 (276); protocol taken from the next layer.
  PacketBuilder& sll() { return push(Layer{Kind::sll}, 113); }
  PacketBuilder& sll2() { return push(Layer{Kind::sll2}, 276); }
  // BSD loopback (0): 4-byte address family in the writer's byte order.
  PacketBuilder& null_af(uint32_t family, bool little_endian = true) {
    Layer l{Kind::null_af};
    l.value = family;
    l.flag = little_endian;
    return push(l, 0);
  }
  // OpenBSD loopback (108): address family in network byte order.
  PacketBuilder& loop_af(uint32_t family) {
    Layer l{Kind::null_af};
    l.value = family;
    l.flag = false;
    return push(l, 108);
  }
  // PPP (9), with or without the ff 03 address/control bytes; protocol from the next layer.
  PacketBuilder& ppp(bool address_control = true) {
    Layer l{Kind::ppp};
    l.flag = address_control;
    return push(l, 9);
  }
  PacketBuilder& chdlc() { return push(Layer{Kind::chdlc}, 104); }
  PacketBuilder& linktype(uint32_t lt) {
    linktype_ = lt;
    linktype_set_ = true;
    return *this;
  }

  // ---- L2.5 ----
  PacketBuilder& vlan(uint16_t id, uint16_t tpid = 0x8100, uint8_t pcp = 0) {
    Layer l{Kind::vlan};
    l.value = static_cast<uint32_t>(pcp) << 13 | (id & 0x0FFFu);
    l.value2 = tpid;
    return push(l);
  }
  PacketBuilder& mpls(uint32_t label, uint8_t ttl = 64) {
    Layer l{Kind::mpls};
    l.value = label;
    l.value2 = ttl;
    return push(l);
  }
  PacketBuilder& pppoe(uint16_t session = 1) {
    Layer l{Kind::pppoe};
    l.value = session;
    return push(l);
  }
  // Overrides the ethertype / protocol field of the last layer that has one (e.g. ARP
  // after eth(), or an unknown PPP protocol).
  PacketBuilder& ethertype(uint16_t type) {
    last_typed().type_override = type;
    return *this;
  }

  // ---- IPv4 ----
  PacketBuilder& ipv4(std::string_view src, std::string_view dst, uint8_t ttl = 64) {
    Layer l{Kind::ipv4};
    const auto s = ip4(src), d = ip4(dst);
    l.addr.assign(s.begin(), s.end());
    l.addr.insert(l.addr.end(), d.begin(), d.end());
    l.value2 = ttl;
    return push(l);
  }
  PacketBuilder& ip_id(uint32_t id) {  // IPv4 16-bit id, or the IPv6 fragment header's 32-bit id
    find_last({Kind::ipv4, Kind::v6frag}).ip_id = id;
    return *this;
  }
  // IPv4 fragment: offset in bytes (multiple of 8), more fragments flag.
  PacketBuilder& frag(uint32_t offset_bytes, bool more) {
    Layer& l = find_last({Kind::ipv4});
    l.frag_word = static_cast<uint16_t>((l.frag_word & 0x4000) | (more ? 0x2000 : 0) |
                                        ((offset_bytes / 8) & 0x1FFF));
    return *this;
  }
  PacketBuilder& dont_fragment() {
    find_last({Kind::ipv4}).frag_word |= 0x4000;
    return *this;
  }
  // IPv4 options (padded with zeros to a multiple of 4 bytes).
  PacketBuilder& ip_options(std::vector<uint8_t> opts) {
    while (opts.size() % 4) opts.push_back(0);
    find_last({Kind::ipv4}).options = std::move(opts);
    return *this;
  }
  PacketBuilder& ip_total_length(uint16_t n) {  // IPv4 total length / IPv6 payload length
    find_last({Kind::ipv4, Kind::ipv6}).len_override = n;
    return *this;
  }
  PacketBuilder& ihl(uint8_t words) {  // written as is; the header bytes stay as built
    find_last({Kind::ipv4}).ihl_override = words;
    return *this;
  }
  PacketBuilder& ip_version(uint8_t v) {  // first nibble of the last IP header
    find_last({Kind::ipv4, Kind::ipv6}).version_override = v;
    return *this;
  }
  // Protocol / next header number for the last IPv4, IPv6 or extension header.
  PacketBuilder& ip_proto(uint8_t p) {
    find_last({Kind::ipv4, Kind::ipv6, Kind::v6ext, Kind::v6frag}).type_override = p;
    return *this;
  }

  // ---- IPv6 ----
  PacketBuilder& ipv6(std::string_view src, std::string_view dst, uint8_t hop_limit = 64) {
    Layer l{Kind::ipv6};
    const auto s = ip6(src), d = ip6(dst);
    l.addr.assign(s.begin(), s.end());
    l.addr.insert(l.addr.end(), d.begin(), d.end());
    l.value2 = hop_limit;
    return push(l);
  }
  // Generic extension header: hop-by-hop 0, routing 43, destination options 60,
  // mobility 135 (8 * (len8 + 1) bytes), or AH 51 (4 * (len + 2) bytes, len = len8 here).
  PacketBuilder& ipv6_ext(uint8_t type, uint8_t len8 = 0) {
    Layer l{Kind::v6ext};
    l.value = type;
    l.value2 = len8;
    return push(l);
  }
  // Fragment header: offset in bytes (multiple of 8), M flag, 32-bit identification.
  PacketBuilder& ipv6_frag(uint32_t offset_bytes, bool more, uint32_t id) {
    Layer l{Kind::v6frag};
    l.frag_word = static_cast<uint16_t>((offset_bytes / 8) << 3 | (more ? 1 : 0));
    l.ip_id = id;
    return push(l);
  }

  // ---- L4 ----
  PacketBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags = kAck) {
    Layer l{Kind::tcp};
    l.value = static_cast<uint32_t>(sport) << 16 | dport;
    l.value2 = flags;
    return push(l);
  }
  PacketBuilder& tcp_data_offset(uint8_t words) {  // written as is; header stays as built
    find_last({Kind::tcp}).ihl_override = words;
    return *this;
  }
  // Sequence and acknowledgment numbers (default 1000 and 0), window (default 65535).
  PacketBuilder& tcp_seq(uint32_t seq, uint32_t ack = 0) {
    Layer& l = find_last({Kind::tcp});
    l.seq = seq;
    l.ack = ack;
    return *this;
  }
  PacketBuilder& tcp_window(uint16_t window) {
    find_last({Kind::tcp}).window = window;
    return *this;
  }
  // TCP options (padded with zeros to a multiple of 4 bytes; the data offset covers them).
  PacketBuilder& tcp_options(std::vector<uint8_t> opts) {
    while (opts.size() % 4) opts.push_back(0);
    find_last({Kind::tcp}).options = std::move(opts);
    return *this;
  }
  PacketBuilder& udp(uint16_t sport, uint16_t dport) {
    Layer l{Kind::udp};
    l.value = static_cast<uint32_t>(sport) << 16 | dport;
    return push(l);
  }
  PacketBuilder& udp_length(uint16_t n) {
    find_last({Kind::udp}).len_override = n;
    return *this;
  }
  PacketBuilder& sctp(uint16_t sport, uint16_t dport) {
    Layer l{Kind::sctp};
    l.value = static_cast<uint32_t>(sport) << 16 | dport;
    return push(l);
  }
  // ICMP (IPv4) / ICMPv6: type, code, identifier and sequence (bytes 4..7).
  PacketBuilder& icmp(uint8_t type, uint8_t code = 0, uint16_t id = 0, uint16_t seq = 0) {
    Layer l{Kind::icmp};
    l.value = static_cast<uint32_t>(type) << 8 | code;
    l.value2 = static_cast<uint32_t>(id) << 16 | seq;
    return push(l);
  }
  PacketBuilder& icmp6(uint8_t type, uint8_t code = 0, uint16_t id = 0, uint16_t seq = 0) {
    icmp(type, code, id, seq);
    layers_.back().kind = Kind::icmp6;
    return *this;
  }

  // ---- payload and capture ----
  PacketBuilder& payload(std::size_t n, uint8_t fill = 0xAB) {
    Layer l{Kind::payload};
    l.raw.assign(n, fill);
    return push(l);
  }
  PacketBuilder& payload(std::vector<uint8_t> bytes) {
    Layer l{Kind::payload};
    l.raw = std::move(bytes);
    return push(l);
  }
  // Keep only the first n bytes (snap length); wire_len stays the full frame.
  PacketBuilder& truncate(std::size_t n) {
    truncate_ = n;
    return *this;
  }
  PacketBuilder& wire_len(uint32_t n) {  // override the on-wire length
    wire_len_ = n;
    return *this;
  }

  Frame build() const {
    std::vector<uint8_t> out;
    std::vector<std::size_t> start(layers_.size());
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      start[i] = out.size();
      write(i, out);
    }
    // Second pass, innermost first: lengths that cover everything after a header.
    for (std::size_t i = layers_.size(); i-- > 0;) fix_lengths(i, start[i], out);
    Frame f;
    f.wire_len = wire_len_ ? wire_len_ : static_cast<uint32_t>(out.size());
    if (truncate_ < out.size()) out.resize(truncate_);
    f.bytes = std::move(out);
    f.linktype = linktype_set_ ? linktype_ : 101;
    return f;
  }

 private:
  enum class Kind : uint8_t {
    eth, sll, sll2, null_af, ppp, chdlc, vlan, mpls, pppoe, ipv4, ipv6, v6ext, v6frag,
    tcp, udp, sctp, icmp, icmp6, payload
  };
  struct Layer {
    explicit Layer(Kind k) : kind(k) {}
    Kind kind;
    uint32_t value = 0;
    uint32_t value2 = 0;
    uint32_t ip_id = 0;
    uint32_t seq = 1000;  // TCP
    uint32_t ack = 0;
    uint16_t window = 65535;
    uint16_t frag_word = 0;
    int32_t type_override = -1;
    int32_t len_override = -1;
    int32_t ihl_override = -1;
    int32_t version_override = -1;
    bool flag = false;
    std::vector<uint8_t> addr;
    std::vector<uint8_t> options;
    std::vector<uint8_t> raw;
  };

  PacketBuilder& push(const Layer& l, int64_t lt = -1) {
    layers_.push_back(l);
    if (lt >= 0 && !linktype_set_) {
      linktype_ = static_cast<uint32_t>(lt);
      linktype_set_ = true;
    }
    return *this;
  }
  Layer& find_last(std::initializer_list<Kind> kinds) {
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it)
      for (Kind k : kinds)
        if (it->kind == k) return *it;
    throw std::logic_error("PacketBuilder: setter without its layer");
  }
  Layer& last_typed() {
    return find_last({Kind::eth, Kind::sll, Kind::sll2, Kind::ppp, Kind::chdlc, Kind::vlan,
                      Kind::pppoe, Kind::ipv4, Kind::ipv6, Kind::v6ext, Kind::v6frag});
  }

  static void put16(std::vector<uint8_t>& o, uint32_t v) {
    o.push_back(static_cast<uint8_t>(v >> 8));
    o.push_back(static_cast<uint8_t>(v));
  }
  static void put32(std::vector<uint8_t>& o, uint32_t v) {
    put16(o, v >> 16);
    put16(o, v & 0xFFFF);
  }
  static void set16(std::vector<uint8_t>& o, std::size_t at, uint32_t v) {
    o[at] = static_cast<uint8_t>(v >> 8);
    o[at + 1] = static_cast<uint8_t>(v);
  }

  const Layer* next(std::size_t i) const {
    return i + 1 < layers_.size() ? &layers_[i + 1] : nullptr;
  }
  // Ethertype announcing the layer after i.
  uint16_t next_ethertype(std::size_t i) const {
    const Layer& l = layers_[i];
    if (l.type_override >= 0) return static_cast<uint16_t>(l.type_override);
    const Layer* n = next(i);
    if (!n) return 0x88B5;  // IEEE local experimental: "not IP"
    switch (n->kind) {
      case Kind::vlan: return static_cast<uint16_t>(n->value2);
      case Kind::mpls: return 0x8847;
      case Kind::pppoe: return 0x8864;
      case Kind::ipv4: return 0x0800;
      case Kind::ipv6: return 0x86DD;
      default: return 0x88B5;
    }
  }
  uint16_t next_ppp(std::size_t i) const {
    const Layer& l = layers_[i];
    if (l.type_override >= 0) return static_cast<uint16_t>(l.type_override);
    const Layer* n = next(i);
    if (n && n->kind == Kind::ipv4) return 0x0021;
    if (n && n->kind == Kind::ipv6) return 0x0057;
    return 0xC021;  // LCP
  }
  uint8_t next_ip_proto(std::size_t i) const {
    const Layer& l = layers_[i];
    if (l.type_override >= 0) return static_cast<uint8_t>(l.type_override);
    const Layer* n = next(i);
    if (!n) return 59;
    switch (n->kind) {
      case Kind::tcp: return 6;
      case Kind::udp: return 17;
      case Kind::sctp: return 132;
      case Kind::icmp: return 1;
      case Kind::icmp6: return 58;
      case Kind::ipv4: return 4;
      case Kind::ipv6: return 41;
      case Kind::v6ext: return static_cast<uint8_t>(n->value);
      case Kind::v6frag: return 44;
      default: return 253;  // RFC 3692 experimentation
    }
  }

  void write(std::size_t i, std::vector<uint8_t>& o) const {
    const Layer& l = layers_[i];
    switch (l.kind) {
      case Kind::eth:
        o.insert(o.end(), l.raw.begin(), l.raw.end());
        put16(o, next_ethertype(i));
        break;
      case Kind::sll:  // packet type 0 (to us), ARPHRD_ETHER, 6-byte address
        put16(o, 0);
        put16(o, 1);
        put16(o, 6);
        for (int b = 0; b < 8; ++b) o.push_back(b < 6 ? static_cast<uint8_t>(0x10 + b) : 0);
        put16(o, next_ethertype(i));
        break;
      case Kind::sll2:
        put16(o, next_ethertype(i));
        put16(o, 0);      // reserved
        put32(o, 1);      // interface index
        put16(o, 1);      // ARPHRD_ETHER
        o.push_back(0);   // packet type
        o.push_back(6);   // address length
        for (int b = 0; b < 8; ++b) o.push_back(b < 6 ? static_cast<uint8_t>(0x10 + b) : 0);
        break;
      case Kind::null_af:
        if (l.flag) {
          for (int b = 0; b < 4; ++b) o.push_back(static_cast<uint8_t>(l.value >> (8 * b)));
        } else {
          put32(o, l.value);
        }
        break;
      case Kind::ppp:
        if (l.flag) {
          o.push_back(0xFF);
          o.push_back(0x03);
        }
        put16(o, next_ppp(i));
        break;
      case Kind::chdlc:
        o.push_back(0x0F);
        o.push_back(0x00);
        put16(o, next_ethertype(i));
        break;
      case Kind::vlan:
        put16(o, l.value);
        put16(o, next_ethertype(i));
        break;
      case Kind::mpls: {
        const Layer* n = next(i);
        const bool bottom = !n || n->kind != Kind::mpls;
        put32(o, (l.value & 0xFFFFF) << 12 | (bottom ? 0x100u : 0u) | (l.value2 & 0xFF));
        break;
      }
      case Kind::pppoe:
        o.push_back(0x11);  // version 1, type 1
        o.push_back(0x00);  // code: session data
        put16(o, l.value);
        put16(o, 0);        // length: fixed later
        put16(o, next_ppp(i));
        break;
      case Kind::ipv4: {
        const std::size_t hl = 20 + l.options.size();
        const uint32_t ihl = l.ihl_override >= 0 ? static_cast<uint32_t>(l.ihl_override)
                                                 : static_cast<uint32_t>(hl / 4);
        const uint32_t ver = l.version_override >= 0 ? static_cast<uint32_t>(l.version_override) : 4;
        o.push_back(static_cast<uint8_t>(ver << 4 | (ihl & 0xF)));
        o.push_back(0);  // DSCP/ECN
        put16(o, 0);     // total length: fixed later
        put16(o, l.ip_id & 0xFFFF);
        put16(o, l.frag_word);
        o.push_back(static_cast<uint8_t>(l.value2));
        o.push_back(next_ip_proto(i));
        put16(o, 0);  // checksum: fixed later
        o.insert(o.end(), l.addr.begin(), l.addr.end());
        o.insert(o.end(), l.options.begin(), l.options.end());
        break;
      }
      case Kind::ipv6: {
        const uint32_t ver = l.version_override >= 0 ? static_cast<uint32_t>(l.version_override) : 6;
        put32(o, ver << 28);
        put16(o, 0);  // payload length: fixed later
        o.push_back(next_ip_proto(i));
        o.push_back(static_cast<uint8_t>(l.value2));
        o.insert(o.end(), l.addr.begin(), l.addr.end());
        break;
      }
      case Kind::v6ext: {
        const std::size_t len = l.value == 51 ? 4 * (l.value2 + 2) : 8 * (l.value2 + 1);
        o.push_back(next_ip_proto(i));
        o.push_back(static_cast<uint8_t>(l.value2));
        // Options area: PadN covering the rest (valid for hop-by-hop / destination options).
        if (l.value == 0 || l.value == 60) {
          o.push_back(1);
          o.push_back(static_cast<uint8_t>(len - 4));
        } else {
          o.push_back(0);
          o.push_back(0);
        }
        o.insert(o.end(), len - 4, 0);
        break;
      }
      case Kind::v6frag:
        o.push_back(next_ip_proto(i));
        o.push_back(0);
        put16(o, l.frag_word);
        put32(o, l.ip_id);
        break;
      case Kind::tcp: {
        put32(o, l.value);
        put32(o, l.seq);
        put32(o, l.ack);
        const uint32_t doff = l.ihl_override >= 0 ? static_cast<uint32_t>(l.ihl_override)
                                                  : static_cast<uint32_t>(5 + l.options.size() / 4);
        o.push_back(static_cast<uint8_t>(doff << 4));
        o.push_back(static_cast<uint8_t>(l.value2));
        put16(o, l.window);
        put16(o, 0);      // checksum
        put16(o, 0);      // urgent
        o.insert(o.end(), l.options.begin(), l.options.end());
        break;
      }
      case Kind::udp:
        put32(o, l.value);
        put16(o, 0);  // length: fixed later
        put16(o, 0);  // checksum: none
        break;
      case Kind::sctp:
        put32(o, l.value);
        put32(o, 0);  // verification tag
        put32(o, 0);  // checksum
        break;
      case Kind::icmp:
      case Kind::icmp6:
        put16(o, l.value);
        put16(o, 0);  // checksum
        put32(o, l.value2);
        break;
      case Kind::payload:
        o.insert(o.end(), l.raw.begin(), l.raw.end());
        break;
    }
  }

  void fix_lengths(std::size_t i, std::size_t at, std::vector<uint8_t>& o) const {
    const Layer& l = layers_[i];
    const std::size_t rest = o.size() - at;
    switch (l.kind) {
      case Kind::pppoe:
        set16(o, at + 4, static_cast<uint32_t>(rest - 6));
        break;
      case Kind::ipv4: {
        set16(o, at + 2, l.len_override >= 0 ? static_cast<uint32_t>(l.len_override)
                                             : static_cast<uint32_t>(rest));
        const std::size_t hl = 20 + l.options.size();
        uint32_t sum = 0;
        for (std::size_t b = 0; b < hl; b += 2) sum += uint32_t{o[at + b]} << 8 | o[at + b + 1];
        while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
        set16(o, at + 10, ~sum & 0xFFFF);
        break;
      }
      case Kind::ipv6:
        set16(o, at + 4, l.len_override >= 0 ? static_cast<uint32_t>(l.len_override)
                                             : static_cast<uint32_t>(rest - 40));
        break;
      case Kind::udp:
        set16(o, at + 4, l.len_override >= 0 ? static_cast<uint32_t>(l.len_override)
                                             : static_cast<uint32_t>(rest));
        break;
      default:
        break;
    }
  }

  std::vector<Layer> layers_;
  uint32_t linktype_ = 101;
  bool linktype_set_ = false;
  std::size_t truncate_ = SIZE_MAX;
  uint32_t wire_len_ = 0;
};

}  // namespace weir::test

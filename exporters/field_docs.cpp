// SPDX-License-Identifier: Apache-2.0
// Field tables for the docs, generated from the registry (doc/export.md and
// doc/binary-format.md embed them; tests/exporters/docs_test keeps them in step).
#include <string>

#include "exporters/binary_format.hpp"
#include "exporters/field_registry.hpp"

namespace weir {

namespace fields {

std::string_view ipfix_element_name(uint32_t pen, uint16_t id) noexcept {
  if (pen == kPenCert) return id == 14 ? "initialTCPFlags" : "";
  if (pen != 0) return "";
  switch (id) {
    case 1: return "octetDeltaCount";
    case 2: return "packetDeltaCount";
    case 4: return "protocolIdentifier";
    case 5: return "ipClassOfService";
    case 6: return "tcpControlBits";
    case 7: return "sourceTransportPort";
    case 8: return "sourceIPv4Address";
    case 10: return "ingressInterface";
    case 11: return "destinationTransportPort";
    case 12: return "destinationIPv4Address";
    case 25: return "minimumIpTotalLength";
    case 26: return "maximumIpTotalLength";
    case 27: return "sourceIPv6Address";
    case 28: return "destinationIPv6Address";
    case 32: return "icmpTypeCodeIPv4";
    case 52: return "minimumTTL";
    case 53: return "maximumTTL";
    case 58: return "vlanId";
    case 60: return "ipVersion";
    case 136: return "flowEndReason";
    case 139: return "icmpTypeCodeIPv6";
    case 148: return "flowId";
    case 152: return "flowStartMilliseconds";
    case 153: return "flowEndMilliseconds";
    case 156: return "flowStartNanoseconds";
    case 157: return "flowEndNanoseconds";
    case 352: return "layer2OctetDeltaCount";
    default: return "";
  }
}

std::string_view nf9_field_name(uint16_t type) noexcept {
  switch (type) {
    case 1: return "IN_BYTES";
    case 2: return "IN_PKTS";
    case 4: return "PROTOCOL";
    case 5: return "SRC_TOS";
    case 6: return "TCP_FLAGS";
    case 7: return "L4_SRC_PORT";
    case 8: return "IPV4_SRC_ADDR";
    case 10: return "INPUT_SNMP";
    case 11: return "L4_DST_PORT";
    case 12: return "IPV4_DST_ADDR";
    case 21: return "LAST_SWITCHED";
    case 22: return "FIRST_SWITCHED";
    case 25: return "MIN_PKT_LNGTH";
    case 26: return "MAX_PKT_LNGTH";
    case 27: return "IPV6_SRC_ADDR";
    case 28: return "IPV6_DST_ADDR";
    case 32: return "ICMP_TYPE";
    case 52: return "MIN_TTL";
    case 53: return "MAX_TTL";
    case 58: return "SRC_VLAN";
    case 60: return "IP_PROTOCOL_VERSION";
    default: return "";
  }
}

namespace {

std::string element_text(const Element& e, bool nf9) {
  auto one = [&](uint16_t id) {
    std::string t;
    if (e.pen != 0) t += std::to_string(e.pen) + "/";
    t += std::to_string(id) + " " +
         std::string(nf9 ? nf9_field_name(id) : ipfix_element_name(e.pen, id));
    return t;
  };
  std::string t = one(e.id);
  if (e.id_v6 != 0 && e.id_v6 != e.id) t += ", IPv6: " + one(e.id_v6);
  if (e.enc == Enc::millis) t += " (ms)";
  if (e.enc == Enc::uptime_millis) t += " (ms of sysUptime)";
  if (!nf9 && e.dirs == kRev) t += " (backward only, as reverse)";
  return t;
}

std::string text_kind(const Field& f) {
  switch (f.text) {
    case Text::none: return "";
    case Text::uint:
    case Text::duration:
    case Text::end_reason_ipfix: return "integer";
    case Text::icmp: return "integer, ICMP only";
    case Text::fixed3: return "x.xxx";
    case Text::addr: return "address";
    case Text::tcp_flags: return "flag letters";
    case Text::end_reason: return "name";
  }
  return "";
}

}  // namespace

std::string fields_markdown() {
  std::string t =
      "| Field | Type | CSV / JSON | Binary | IPFIX element | NetFlow v9 | Meaning |\n"
      "|---|---|---|---|---|---|---|\n";
  for (const Field& f : kFields) {
    std::string ipfix;
    for (const Element& e : f.ipfix) {
      if (!e.present()) continue;
      if (!ipfix.empty()) ipfix += "; ";
      ipfix += element_text(e, false);
    }
    std::string name = f.scope == Scope::dir ? "`fwd_`/`bwd_" : "`";
    name += f.name;
    name += '`';
    t += "| " + name + " | " + std::string(type_name(f.type)) + " | " + text_kind(f) + " | " +
         (f.bin == Bin::no ? "" : f.bin == Bin::req ? "yes" : "yes (optional)") + " | " + ipfix +
         " | " + (f.nf9.present() ? element_text(f.nf9, true) : "") + " | " + std::string(f.doc) +
         " |\n";
  }
  return t;
}

}  // namespace fields

namespace binfmt {

std::string fields_markdown() {
  std::string t =
      "| Name | Type | Offset | Required | Meaning |\n"
      "|---|---|---:|---|---|\n";
  for (const FieldDesc& d : kFields) {
    std::string_view base = d.name;
    if (base.starts_with("fwd_") || base.starts_with("bwd_")) base.remove_prefix(4);
    std::string_view doc;
    for (const fields::Field& f : fields::kFields)
      if (f.name == base && f.bin != fields::Bin::no) doc = f.doc;
    t += "| `" + std::string(d.name) + "` | " + std::string(field_type_name(d.type)) + " | " +
         std::to_string(d.file_offset) + " | " + (d.required ? "yes" : "no") + " | " +
         std::string(doc) + " |\n";
  }
  t += "\nrecord_bytes = " + std::to_string(kRecordBytes) + ", n_fields = " +
       std::to_string(kFields.size()) + "\n";
  return t;
}

}  // namespace binfmt

}  // namespace weir

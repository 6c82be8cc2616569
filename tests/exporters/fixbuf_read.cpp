// SPDX-License-Identifier: Apache-2.0
#include "fixbuf_read.hpp"

#include <fixbuf/public.h>

#include <cstring>

namespace weir::test {

namespace {

// Internal template: libfixbuf transcodes each record of the file into this layout
// (elements the file lacks read as zero; reduced-size integers are widened).
struct __attribute__((packed)) Wire {
  uint64_t flow_id;
  uint64_t start_ms;
  uint64_t end_ms;
  uint64_t octets;
  uint64_t packets;
  uint64_t reverse_octets;
  uint64_t reverse_packets;
  uint8_t src6[16];
  uint8_t dst6[16];
  uint32_t src4;
  uint32_t dst4;
  uint16_t src_port;
  uint16_t dst_port;
  uint16_t tcp_flags;
  uint16_t reverse_tcp_flags;
  uint8_t proto;
  uint8_t end_reason;
  uint8_t initial_tcp_flags;
};

char kFlowId[] = "flowId", kStart[] = "flowStartMilliseconds", kEnd[] = "flowEndMilliseconds",
     kOctets[] = "octetDeltaCount", kPackets[] = "packetDeltaCount",
     kRevOctets[] = "reverseOctetDeltaCount", kRevPackets[] = "reversePacketDeltaCount",
     kSrc6[] = "sourceIPv6Address", kDst6[] = "destinationIPv6Address",
     kSrc4[] = "sourceIPv4Address", kDst4[] = "destinationIPv4Address",
     kSport[] = "sourceTransportPort", kDport[] = "destinationTransportPort",
     kFlags[] = "tcpControlBits", kRevFlags[] = "reverseTcpControlBits",
     kProto[] = "protocolIdentifier", kReason[] = "flowEndReason",
     kInitial[] = "initialTCPFlags", kPad[] = "paddingOctets";

}  // namespace

FixbufResult fixbuf_read_file(const std::string& path) {
  FixbufResult res;
  GError* err = nullptr;
  fbInfoModel_t* model = fbInfoModelAlloc();
  res.knows_initial_tcp_flags = fbInfoModelGetElementByName(model, kInitial) != nullptr;
  fbInfoElementSpec_t spec[] = {
      {kFlowId, 8, 0},    {kStart, 8, 0},  {kEnd, 8, 0},      {kOctets, 8, 0},
      {kPackets, 8, 0},   {kRevOctets, 8, 0}, {kRevPackets, 8, 0}, {kSrc6, 16, 0},
      {kDst6, 16, 0},     {kSrc4, 4, 0},   {kDst4, 4, 0},     {kSport, 2, 0},
      {kDport, 2, 0},     {kFlags, 2, 0},  {kRevFlags, 2, 0}, {kProto, 1, 0},
      {kReason, 1, 0},    {res.knows_initial_tcp_flags ? kInitial : kPad, 1, 0},
      FB_IESPEC_NULL};
  fbSession_t* session = fbSessionAlloc(model);
  fbTemplate_t* tmpl = fbTemplateAlloc(model);
  fBuf_t* fbuf = nullptr;
  uint16_t tid = 0;
  fbCollector_t* collector = nullptr;
  if (!fbTemplateAppendSpecArray(tmpl, spec, UINT32_MAX, &err)) goto fail;
  tid = fbSessionAddTemplate(session, TRUE, FB_TID_AUTO, tmpl, &err);
  if (tid == 0) goto fail;
  collector = fbCollectorAllocFile(nullptr, path.c_str(), &err);
  if (collector == nullptr) goto fail;
  fbuf = fBufAllocForCollection(session, collector);  // owns session and collector
  if (!fBufSetInternalTemplate(fbuf, tid, &err)) goto fail;
  for (;;) {
    Wire w{};
    size_t len = sizeof w;
    if (!fBufNext(fbuf, reinterpret_cast<uint8_t*>(&w), &len, &err)) {
      if (g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOF)) g_clear_error(&err);
      break;
    }
    FixbufRecord r;
    r.flow_id = w.flow_id;
    r.start_ms = w.start_ms;
    r.end_ms = w.end_ms;
    r.octets = w.octets;
    r.packets = w.packets;
    r.reverse_octets = w.reverse_octets;
    r.reverse_packets = w.reverse_packets;
    std::memcpy(r.src6.data(), w.src6, 16);
    std::memcpy(r.dst6.data(), w.dst6, 16);
    r.src4 = w.src4;
    r.dst4 = w.dst4;
    r.src_port = w.src_port;
    r.dst_port = w.dst_port;
    r.tcp_flags = w.tcp_flags;
    r.reverse_tcp_flags = w.reverse_tcp_flags;
    r.proto = w.proto;
    r.end_reason = w.end_reason;
    r.initial_tcp_flags = res.knows_initial_tcp_flags ? w.initial_tcp_flags : 0;
    res.records.push_back(r);
  }
fail:
  if (err) {
    res.error = err->message;
    g_clear_error(&err);
  }
  if (fbuf) {
    fBufFree(fbuf);
  } else {
    if (collector) fbCollectorClose(collector);
    fbSessionFree(session);
  }
  fbInfoModelFree(model);
  return res;
}

}  // namespace weir::test

// SPDX-License-Identifier: Apache-2.0
#include "fixbuf_read.hpp"

#include <fixbuf/public.h>

namespace weir::test {

namespace {

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
    FixbufRecord r{};
    size_t len = sizeof r;
    if (!fBufNext(fbuf, reinterpret_cast<uint8_t*>(&r), &len, &err)) {
      if (g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOF)) g_clear_error(&err);
      break;
    }
    if (!res.knows_initial_tcp_flags) r.initial_tcp_flags = 0;  // padding was read there
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

// SPDX-License-Identifier: Apache-2.0
#include "report_test_util.hpp"

#include <algorithm>

#include "report/format.hpp"

namespace weir::report::test {

const DestRow* TraceRun::row(std::size_t i, std::string_view addr, uint16_t port) const {
  if (i >= reports().size()) return nullptr;
  for (const DestRow& r : reports()[i].rows)
    if (address_text(r.dest) == addr && r.dest.port == port) return &r;
  return nullptr;
}

TraceRun run_trace(const Trace& unsorted, const ReportConfig& cfg, std::size_t burst) {
  Trace t = unsorted.sorted();
  TraceRun r;
  r.rep = std::make_unique<Reporter>(cfg, *r.sink);
  Decoder dec(DecodeConfig{});
  std::vector<PacketMeta> metas;
  const auto& recs = t.records();
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const PacketView v = t.frames()[i].view(recs[i].ts_ns);
    PacketMeta m;
    if (dec.decode(v, v.ts_ns, m) == DecodeOutcome::flow) {
      m.ts_ns = v.ts_ns;
      metas.push_back(m);
    }
    if (metas.size() == burst || i + 1 == recs.size()) {
      r.rep->process_burst(metas);
      metas.clear();
    }
  }
  r.rep->finish();
  return r;
}

}  // namespace weir::report::test

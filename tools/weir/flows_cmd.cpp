// SPDX-License-Identifier: Apache-2.0
// weir flows: pcap_flow's flow listing -- unidirectional flows with FlowIDs 1, 2, ... in
// order of first appearance, sorted by packets (see extract/flow_listing.hpp).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "extract/flow_listing.hpp"
#include "extract/flow_scan.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/flow_tool_args.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

namespace {

const char* const kFlowsUsage =
    "usage: weir flows -r FILE|- [options] [expression]\n"
    "\n"
    "Lists the unidirectional flows of a capture (pcap_flow's listing): rank, FlowID,\n"
    "protocol, MACs, addresses, ports, packets, wire bytes, first and last packet time\n"
    "of day (UTC) and duration. FlowIDs number the flows 1, 2, ... in order of first\n"
    "appearance over the whole input, whatever the filter and --min-* options, so\n"
    "'weir extract' on the same input takes the same flow for the same ID when it is\n"
    "given the same key options (--vlan, --flow-5tuple, --packet-max). Rows are\n"
    "sorted by packets, fewest first as pcap_flow prints them (largest last), ties by\n"
    "FlowID.\n"
    "IPv4 and IPv6; TCP, UDP, SCTP, ICMP and any other protocol (the protocol is part\n"
    "of the key); IP fragments count with their flow. Memory grows with the number of\n"
    "flows (about 130 bytes per flow; there is no flow limit).\n"
    "\n"
    "options\n"
    "%s"
    "  --min-packets N    list only flows with at least N packets (--flow-packet-min)\n"
    "  --min-bytes B      list only flows with at least B wire bytes (--flow-size-min)\n"
    "  --descending       largest flows first\n"
    "  --csv              CSV instead of the table (times as ns since the epoch)\n"
    "  -o FILE            write the listing to FILE (created afresh) instead of stdout\n"
    "\n"
    "With an expression, counters cover the packets it passes and flows without such a\n"
    "packet are not listed. A summary (packets, flows, packets in no flow by reason)\n"
    "goes to stderr.\n%s";

}  // namespace

int flows_main(int argc, char** argv) {
  flowtool::CommonArgs c;
  extract::ListingOptions lo;
  std::string out_path;
  const auto own = [&](const std::vector<std::string>& a, std::size_t& i) {
    const std::string& o = a[i];
    if (o == "--min-packets" || o == "--flow-packet-min") {
      lo.min_packets = flowtool::parse_number(o, flowtool::value_of(a, i));
    } else if (o == "--min-bytes" || o == "--flow-size-min") {
      lo.min_bytes = flowtool::parse_number(o, flowtool::value_of(a, i));
    } else if (o == "--descending") {
      lo.descending = true;
    } else if (o == "--csv") {
      lo.csv = true;
    } else if (o == "-o") {
      out_path = flowtool::value_of(a, i);
    } else {
      return false;
    }
    return true;
  };
  if (const int rc = flowtool::parse_args(argc, argv, "weir flows", kFlowsUsage, c, own, [] {}); rc >= 0) return rc;
  lo.vlan = c.scan.vlan_key;

  extract::FlowIndex index;
  extract::ScanStats st;
  if (Status s = extract::scan(c.scan, index, nullptr, st); !s) {
    std::fprintf(stderr, "weir flows: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  std::FILE* out = stdout;
  if (!out_path.empty() && out_path != "-") {
    out = std::fopen(out_path.c_str(), "w");
    if (!out) {
      std::perror(("weir flows: cannot create " + out_path).c_str());
      return cli::kExitOutput;
    }
  }
  uint64_t rows = 0;
  Status s = extract::write_listing(out, index, lo, &rows);
  if (out != stdout && std::fclose(out) != 0 && s) {
    s = Status(Errc::io_error, Origin::output, "cannot write " + out_path);
  }
  if (!s) {
    std::fprintf(stderr, "weir flows: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  if (!c.quiet) {
    std::fprintf(stderr, "weir flows: %s; %llu listed; index %.1f MB\n",
                 extract::format_scan_stats(st, index.size()).c_str(), static_cast<unsigned long long>(rows),
                 static_cast<double>(index.memory_bytes()) / 1e6);
  }
  if (st.bpf_compile_failures) {
    std::fprintf(stderr, "weir flows: the expression cannot run on the link type of %llu packets (not counted)\n",
                 static_cast<unsigned long long>(st.bpf_compile_failures));
  }
  if (!st.input_error.empty()) {
    std::fprintf(stderr, "weir flows: %s (the flows above cover the packets before it)\n", st.input_error.c_str());
    return cli::kExitMalformed;
  }
  return cli::kExitOk;
}

}  // namespace weir

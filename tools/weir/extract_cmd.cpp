// SPDX-License-Identifier: Apache-2.0
// weir extract: pcap_flow's extraction -- the packets of flows (by FlowID, port range or
// expression) into a capture file, or TCP/UDP payload streams into one file per flow
// direction (see extract/packet_extract.hpp, extract/stream_extract.hpp).
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "extract/packet_extract.hpp"
#include "extract/stream_extract.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/flow_tool_args.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

namespace {

const char* const kExtractUsage =
    "usage: weir extract -r FILE --flow ID[,ID...] [-d b] -o OUT.pcap [expression]\n"
    "       weir extract -r FILE -o OUT.pcap expression\n"
    "       weir extract -r FILE --tcp-stream ID[,ID...]|all [--port LO-HI] [-d b] -o PREFIX [--tcpheader]\n"
    "       weir extract -r FILE --udp-stream ID[,ID...]|all [--port LO-HI] [-d b] -o PREFIX [--udpheader]\n"
    "\n"
    "FlowIDs are those 'weir flows' lists for the same input and the same key options\n"
    "(--vlan, --flow-5tuple, --packet-max).\n"
    "\n"
    "packets (a capture file; nanosecond timestamps, every record as captured)\n"
    "  --flow ID[,ID...]  the packets of these flows (--extract)\n"
    "  --port LO-HI       ... of TCP/UDP/SCTP flows with a port in LO-HI (a single PORT too);\n"
    "                     alone: every such flow\n"
    "  -d u|b             b: the opposite direction of each chosen flow too (default u)\n"
    "  expression         alone: every packet it passes (any packet, IP or not); with\n"
    "                     flows: only their packets it passes\n"
    "  -o FILE            output capture, created afresh ('-' = standard output)\n"
    "  --format pcap|pcap-us|pcapng   pcap with ns timestamps (default), pcap with us,\n"
    "                     or pcapng (needed when the input mixes link types)\n"
    "streams (one file per flow direction: PREFIX + FlowID_srcMAC_dstMAC_srcIP_srcport_\n"
    "         dstIP_dstport.tcp|.udp, created afresh even when empty)\n"
    "  --tcp-stream SEL   TCP flows, SEL = FlowIDs or 'all': payload reassembled in\n"
    "                     sequence order, retransmissions once, holes that never fill\n"
    "                     skipped and counted (--extract-tcp, --extract-tcp-all)\n"
    "  --udp-stream SEL   UDP flows: datagram payloads in arrival order\n"
    "  --port LO-HI       only flows with a port in LO-HI (--extract-tcp-port LO HI)\n"
    "  -d u|b             b: the opposite direction of each chosen flow too, in its own file\n"
    "  --tcpheader, --udpheader   a 32-byte header before each segment (pcap_flow's:\n"
    "                     ts ns, length, stream id, seq, ack, scaled window, flags,\n"
    "                     checksum; doc/pcap_flow.md)\n"
    "  -o PREFIX          prefix of the file names (may include a directory)\n"
    "  --stream-buffer BYTES   out-of-order bytes buffered per direction before the first\n"
    "                     hole is declared a gap (default 4M)\n"
    "  --stream-buffer-total BYTES   the same over all directions (default 256M)\n"
    "  --max-open-files N  open files at most (default: from ulimit -n, <= 1024); more\n"
    "                     streams are closed and reopened (appended) as they are written\n"
    "common\n"
    "%s%s";

void parse_direction(const std::string& v, extract::Selection& a, extract::Selection& b,
                     extract::Selection& c) {
  if (v != "u" && v != "b") throw std::invalid_argument("-d: expected u or b, got '" + v + "'");
  a.both_directions = b.both_directions = c.both_directions = v == "b";
}

extract::PacketFileFormat parse_format(const std::string& v) {
  if (v == "pcap") return extract::PacketFileFormat::pcap_ns;
  if (v == "pcap-us") return extract::PacketFileFormat::pcap_us;
  if (v == "pcapng") return extract::PacketFileFormat::pcapng;
  throw std::invalid_argument("--format: expected pcap, pcap-us or pcapng, got '" + v + "'");
}

void warn_missing(const std::vector<uint32_t>& missing, uint32_t flows) {
  for (uint32_t id : missing) {
    std::fprintf(stderr, "weir extract: FlowID %u does not exist (the input has %u flows)\n", id, flows);
  }
}

}  // namespace

int extract_main(int argc, char** argv) {
  flowtool::CommonArgs c;
  extract::PacketExtractOptions po;
  extract::StreamExtractOptions so;
  std::string out;
  const auto own = [&](const std::vector<std::string>& a, std::size_t& i) {
    const std::string& o = a[i];
    if (o == "--flow" || o == "--extract") {
      extract::parse_flow_ids(flowtool::value_of(a, i), po.sel);
      if (po.sel.all) throw std::invalid_argument(o + ": give FlowIDs ('all' is for streams)");
    } else if (o == "--tcp-stream" || o == "--extract-tcp" || o == "--udp-stream") {
      const bool tcp = o != "--udp-stream";
      (tcp ? so.tcp : so.udp) = true;
      extract::parse_flow_ids(flowtool::value_of(a, i), tcp ? so.tcp_sel : so.udp_sel);
    } else if (o == "--extract-tcp-all" || o == "--extract-udp-all") {
      const bool tcp = o == "--extract-tcp-all";
      (tcp ? so.tcp : so.udp) = true;
      (tcp ? so.tcp_sel : so.udp_sel).all = true;
    } else if (o == "--port") {
      const std::string& v = flowtool::value_of(a, i);
      extract::parse_port_range(v, po.sel);
      extract::parse_port_range(v, so.tcp_sel);
      extract::parse_port_range(v, so.udp_sel);
    } else if (o == "--extract-tcp-port" || o == "--extract-udp-port" || o == "--extract-port") {
      // pcap_flow's two-argument spelling: LO HI.
      const std::string lo = flowtool::value_of(a, i);
      const std::string range = lo + "-" + flowtool::value_of(a, i);
      extract::Selection& sel = o == "--extract-port" ? po.sel : o == "--extract-tcp-port" ? so.tcp_sel : so.udp_sel;
      extract::parse_port_range(range, sel);
      if (o == "--extract-tcp-port") so.tcp = so.tcp_sel.all = true;
      if (o == "--extract-udp-port") so.udp = so.udp_sel.all = true;
    } else if (o == "-d") {
      parse_direction(flowtool::value_of(a, i), po.sel, so.tcp_sel, so.udp_sel);
    } else if (o == "-o") {
      out = flowtool::value_of(a, i);
    } else if (o == "--format") {
      po.format = parse_format(flowtool::value_of(a, i));
    } else if (o == "--tcpheader" || o == "--udpheader") {
      (o == "--tcpheader" ? so.tcp_header : so.udp_header) = true;
    } else if (o == "--stream-buffer") {
      so.max_buffered_per_stream = flowtool::parse_number(o, flowtool::value_of(a, i), true);
    } else if (o == "--stream-buffer-total") {
      so.max_buffered_total = flowtool::parse_number(o, flowtool::value_of(a, i), true);
    } else if (o == "--max-open-files") {
      const uint64_t n = flowtool::parse_number(o, flowtool::value_of(a, i));
      if (n == 0 || n > 1'000'000) throw std::invalid_argument("--max-open-files: from 1 to 1000000");
      so.files.max_open = static_cast<uint32_t>(n);
    } else {
      return false;
    }
    return true;
  };
  const auto check = [&] {
    const bool streams = so.tcp || so.udp;
    if (streams && !po.sel.ids.empty()) {
      throw std::invalid_argument("--flow writes packets, --tcp-stream/--udp-stream write streams: one at a time");
    }
    if (!streams && !extract::names_flows(po.sel) && c.scan.filter.empty()) {
      throw std::invalid_argument("nothing to extract: give --flow, --port, --tcp-stream, --udp-stream or an expression");
    }
    if (out.empty()) throw std::invalid_argument(streams ? "give -o PREFIX for the stream files" : "give -o FILE");
    if (so.tcp_header && !so.tcp) throw std::invalid_argument("--tcpheader goes with --tcp-stream");
    if (so.udp_header && !so.udp) throw std::invalid_argument("--udpheader goes with --udp-stream");
  };
  if (const int rc = flowtool::parse_args(argc, argv, "weir extract", kExtractUsage, c, own, check); rc >= 0) {
    return rc;
  }

  std::string summary, input_error;
  std::vector<uint32_t> missing, wrong_protocol;
  uint32_t flows = 0;
  uint64_t chosen = 0;
  std::size_t requested = 0;
  Status s;
  if (so.tcp || so.udp) {
    so.scan = c.scan;
    so.prefix = out;
    extract::StreamExtractStats st;
    s = extract::extract_streams(so, st);
    summary = extract::format_scan_stats(st.scan, st.flows_total) + "\n" + extract::format_stream_stats(st);
    input_error = st.scan.input_error;
    missing = st.missing_ids;
    wrong_protocol = st.wrong_protocol_ids;
    flows = st.flows_total;
    chosen = st.tcp_streams + st.udp_streams;
    requested = so.tcp_sel.ids.size() + so.udp_sel.ids.size();
  } else {
    po.scan = c.scan;
    po.output = out;
    extract::PacketExtractStats st;
    s = extract::extract_packets(po, st);
    summary = std::to_string(st.scan.packets) + " packets read, " + std::to_string(st.packets_written) +
              " written (" + std::to_string(st.bytes_written) + " captured bytes)" +
              (extract::names_flows(po.sel) ? ", from " + std::to_string(st.flows_selected) + " of " +
                                                  std::to_string(st.flows_total) + " flows"
                                            : "") +
              "\n";
    input_error = st.scan.input_error;
    missing = st.missing_ids;
    flows = st.flows_total;
    chosen = st.flows_selected;
    requested = po.sel.ids.size();
  }
  if (!s) {
    std::fprintf(stderr, "weir extract: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  if (!c.quiet) std::fprintf(stderr, "weir extract: %s", summary.c_str());
  warn_missing(missing, flows);
  for (uint32_t id : wrong_protocol) {
    std::fprintf(stderr,
                 "weir extract: FlowID %u is not a flow of the stream's protocol (TCP for --tcp-stream, "
                 "UDP for --udp-stream)\n",
                 id);
  }
  if (!input_error.empty()) {
    std::fprintf(stderr, "weir extract: %s (what was read before it is written)\n", input_error.c_str());
    return cli::kExitMalformed;
  }
  if (requested && chosen == 0) return cli::kExitUsage;  // none of the FlowIDs asked for was usable
  return cli::kExitOk;
}

}  // namespace weir

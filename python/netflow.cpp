// SPDX-License-Identifier: Apache-2.0
// weir.FlowSet, weir.FlowPDU, weir.Flow: pyflowtools' classes over weir's flow-tools
// reader/writer (exporters/flowtools.hpp) and NetFlow v5 records (exporters/netflow_v5.hpp).
//
// What pyflowtools got wrong and this does instead (doc/python.md):
//   - every Flow owns a copy of its record (pyflowtools' Flows shared one buffer);
//   - getID() is built from the record's fields only (no struct padding), so it is the
//     same for equal keys in every process;
//   - a written file is replaced whole (temporary name, renamed on close), never left
//     with the tail of a longer old file;
//   - a PDU's length is checked against its record count before any record is read;
//   - is_next() compares sequence numbers of the same exporter and engine, never times.
#include <arpa/inet.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporters/destination.hpp"
#include "exporters/flowtools.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace weir::pymod {
namespace {

std::string ipv4_text(uint32_t v) {
  uint8_t b[4];
  nfv5::ipv4_bytes(v, b);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, b, buf, sizeof buf);
  return buf;
}

uint32_t ipv4_arg(const py::handle& v) {
  if (py::isinstance<py::int_>(v)) {
    const long long n = v.cast<long long>();
    if (n < 0 || n > 0xFFFFFFFFll)
      throw py::value_error("exporter address out of range: " + std::to_string(n));
    return static_cast<uint32_t>(n);
  }
  const std::string s = py::str(v).cast<std::string>();
  uint8_t b[4];
  if (inet_pton(AF_INET, s.c_str(), b) != 1) throw py::value_error("not an IPv4 address: '" + s + "'");
  return nfv5::ipv4_number(b);
}

struct Flow {
  ftfmt::Record r;

  // First/Last as unix seconds (ms resolution), as flow-tools' ftltime() computes them.
  nfv5::UptimeSpan span() const {
    return nfv5::uptime_span(ftfmt::export_ns(r), r.sys_uptime, r.v5.first, r.v5.last);
  }
  // prot, then the two ends (address, port, interface on that side); with bidir the ends
  // are sorted so both directions of a conversation get one ID (symmetric routing
  // assumed, as pyflowtools did: a reply enters where the request left).
  std::string id(bool bidir) const {
    struct End {
      uint32_t addr;
      uint16_t port, iface;
      auto operator<=>(const End&) const = default;
    };
    End a{r.v5.srcaddr, r.v5.srcport, r.v5.input}, b{r.v5.dstaddr, r.v5.dstport, r.v5.output};
    if (bidir && b < a) std::swap(a, b);
    auto end = [](const End& e) {
      return ipv4_text(e.addr) + ":" + std::to_string(e.port) + "@" + std::to_string(e.iface);
    };
    return std::to_string(r.v5.prot) + " " + end(a) + " " + end(b);
  }
};

constexpr std::size_t kReadBurst = 256;

class FlowSet {
 public:
  FlowSet(const py::object& path_like, const py::object& mode, const std::string& hostname,
          const std::string& comments, const py::object& exporter)
      : path_(py::module_::import("os").attr("fspath")(path_like).cast<std::string>()) {
    const std::string& path = path_;
    bool write = false;
    if (py::isinstance<py::bool_>(mode)) {
      write = mode.cast<bool>();  // pyflowtools: FlowSet(path, True) writes
    } else {
      const std::string m = mode.cast<std::string>();
      if (m != "r" && m != "w") throw py::value_error("FlowSet mode: expected 'r' or 'w', got '" + m + "'");
      write = m == "w";
    }
    if (!write) {
      reader_ = std::make_unique<FlowToolsReader>();
      check(reader_->open(path));
      return;
    }
    std::unique_ptr<Destination> dest;
    check(open_destination(path, {}, dest));
    FlowToolsWriterOptions opt;
    opt.hostname = hostname;
    opt.comments = comments;
    if (!exporter.is_none()) opt.exporter_ip = ipv4_arg(exporter);
    check(open_flowtools_sink(std::move(dest), opt, writer_));
  }
  ~FlowSet() {
    // Closed by the garbage collector: finish the file (errors cannot be raised here;
    // close() or a with-block reports them).
    if (writer_ && !closed_) (void)writer_->finish();
  }

  Flow next() {
    if (!reader_) throw py::value_error("FlowSet " + path_ + " is open for writing");
    if (pos_ == buf_.size()) {
      buf_.resize(kReadBurst);
      std::size_t n = 0;
      Status s;
      {
        py::gil_scoped_release nogil;
        s = reader_->read_raw(buf_, n);
      }
      buf_.resize(n);
      pos_ = 0;
      check(s);
      if (n == 0) throw py::stop_iteration();
    }
    return {buf_[pos_++]};
  }

  void write_raw(const std::vector<ftfmt::Record>& recs) {
    check(flowtools_write_raw(sink(), recs));
  }
  void write_records(std::span<const FlowRecord> recs) { check(sink().write_burst(recs)); }

  void close() {
    if (!writer_ || closed_) return;
    closed_ = true;
    check(writer_->finish());
  }

  py::dict header() const {
    py::dict d;
    if (!reader_) return d;
    const FlowToolsHeader& h = reader_->header();
    d["byte_order"] = h.byte_order == ftfmt::kBigEndian ? "big" : "little";
    d["stream_version"] = h.stream_version;
    d["export_version"] = h.export_version;
    d["flags"] = h.flags;
    if (h.has_flow_count) d["flow_count"] = h.flow_count;
    d["flows_lost"] = h.flows_lost;
    d["exporter"] = ipv4_text(h.exporter_ip);
    d["cap_start"] = h.cap_start;
    d["cap_end"] = h.cap_end;
    d["hostname"] = h.hostname;
    d["comments"] = h.comments;
    return d;
  }

 private:
  FlowSink& sink() {
    if (!writer_) throw py::value_error("FlowSet " + path_ + " is open for reading");
    if (closed_) throw py::value_error("FlowSet " + path_ + " is closed");
    return *writer_;
  }

  std::string path_;
  std::unique_ptr<FlowToolsReader> reader_;
  std::vector<ftfmt::Record> buf_;
  std::size_t pos_ = 0;
  std::unique_ptr<FlowSink> writer_;
  bool closed_ = false;
};

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

struct FlowPDU {
  uint32_t exporter = 0;
  uint16_t version = 0, count = 0, sampling = 0;
  uint32_t sys_uptime = 0, unix_secs = 0, unix_nsecs = 0, sequence = 0;
  uint8_t engine_type = 0, engine_id = 0;
  std::vector<ftfmt::Record> records;

  FlowPDU(const py::object& exporter_ip, const py::object& payload) {
    exporter = ipv4_arg(exporter_ip);
    // bytes, bytearray, memoryview or any buffer
    PyObject* b = PyBytes_FromObject(payload.ptr());
    if (!b) throw py::error_already_set();
    const auto bytes = py::reinterpret_steal<py::bytes>(b);
    const std::string_view m = bytes;
    const auto* p = reinterpret_cast<const uint8_t*>(m.data());
    if (m.size() < nfv5::kHeaderBytes)
      throw py::value_error("NetFlow PDU: " + std::to_string(m.size()) +
                            " bytes, shorter than a v5 header (24)");
    version = be16(p);
    if (version != 5)
      throw py::value_error("NetFlow PDU: version " + std::to_string(version) + " (weir reads v5)");
    count = be16(p + 2);
    if (count > nfv5::kMaxRecords)
      throw py::value_error("NetFlow v5 PDU: count " + std::to_string(count) + " > 30");
    const std::size_t need = nfv5::kHeaderBytes + std::size_t{count} * nfv5::kRecordBytes;
    if (m.size() < need)
      throw py::value_error("NetFlow v5 PDU: " + std::to_string(count) + " records need " +
                            std::to_string(need) + " bytes, got " + std::to_string(m.size()));
    sys_uptime = be32(p + 4);
    unix_secs = be32(p + 8);
    unix_nsecs = be32(p + 12);
    sequence = be32(p + 16);
    engine_type = p[20];
    engine_id = p[21];
    sampling = be16(p + 22);
    records.resize(count);
    for (uint16_t i = 0; i < count; ++i) {
      ftfmt::Record& r = records[i];
      r.unix_secs = unix_secs;
      r.unix_nsecs = unix_nsecs;
      r.sys_uptime = sys_uptime;
      r.exaddr = exporter;
      r.engine_type = engine_type;
      r.engine_id = engine_id;
      r.v5 = nfv5::decode_record(p + nfv5::kHeaderBytes + std::size_t{i} * nfv5::kRecordBytes);
    }
  }

  bool same_source(const FlowPDU& o) const {
    return exporter == o.exporter && engine_type == o.engine_type && engine_id == o.engine_id;
  }
  // `o` is the datagram right after this one from the same exporter and engine: its
  // flow_sequence is this one's plus this one's record count (mod 2^32).
  bool is_next(const FlowPDU& o) const {
    return same_source(o) && o.sequence == static_cast<uint32_t>(sequence + count);
  }
  bool operator==(const FlowPDU& o) const {
    return same_source(o) && sequence == o.sequence && count == o.count && unix_secs == o.unix_secs &&
           unix_nsecs == o.unix_nsecs;
  }
};

struct FlowPDUIter {
  py::object pdu;  // keeps the PDU alive
  const FlowPDU* p;
  std::size_t next = 0;
};

}  // namespace

void bind_netflow(py::module_& m) {
  py::class_<Flow> flow(m, "Flow", "One NetFlow v5 record (pyflowtools' attribute names).");
  flow.def("getID", &Flow::id, py::arg("bidir") = false,
           "A string naming the flow: protocol and both ends (address:port@interface); with "
           "bidir, equal for both directions.")
      .def("__repr__", [](const Flow& f) { return "<weir.Flow " + f.id(false) + ">"; });
#define WEIR_RO(name, expr) flow.def_property_readonly(name, [](const Flow& f) { return expr; })
  WEIR_RO("srcaddr", ipv4_text(f.r.v5.srcaddr));
  WEIR_RO("dstaddr", ipv4_text(f.r.v5.dstaddr));
  WEIR_RO("nexthop", ipv4_text(f.r.v5.nexthop));
  WEIR_RO("exaddr", ipv4_text(f.r.exaddr));
  WEIR_RO("srcaddr_raw", f.r.v5.srcaddr);
  WEIR_RO("dstaddr_raw", f.r.v5.dstaddr);
  WEIR_RO("nexthop_raw", f.r.v5.nexthop);
  WEIR_RO("exaddr_raw", f.r.exaddr);
  WEIR_RO("srcport", f.r.v5.srcport);
  WEIR_RO("dstport", f.r.v5.dstport);
  WEIR_RO("prot", f.r.v5.prot);
  WEIR_RO("tos", f.r.v5.tos);
  WEIR_RO("tcp_flags", f.r.v5.tcp_flags);
  WEIR_RO("dPkts", f.r.v5.packets);
  WEIR_RO("dOctets", f.r.v5.octets);
  WEIR_RO("first", static_cast<double>(f.span().first_ns / 1'000'000) / 1e3);
  WEIR_RO("last", static_cast<double>(f.span().last_ns / 1'000'000) / 1e3);
  WEIR_RO("first_raw", f.r.v5.first);
  WEIR_RO("last_raw", f.r.v5.last);
  WEIR_RO("input", f.r.v5.input);
  WEIR_RO("output", f.r.v5.output);
  WEIR_RO("src_as", f.r.v5.src_as);
  WEIR_RO("dst_as", f.r.v5.dst_as);
  WEIR_RO("src_mask", f.r.v5.src_mask);
  WEIR_RO("dst_mask", f.r.v5.dst_mask);
  WEIR_RO("engine_type", f.r.engine_type);
  WEIR_RO("engine_id", f.r.engine_id);
  WEIR_RO("unix_secs", f.r.unix_secs);
  WEIR_RO("unix_nsecs", f.r.unix_nsecs);
  WEIR_RO("sysUpTime", f.r.sys_uptime);
#undef WEIR_RO

  py::class_<FlowSet>(m, "FlowSet",
                      "A flow-tools file: FlowSet(path | '-') iterates its Flows; FlowSet(path, 'w') "
                      "writes one (replaced whole on close()).")
      .def(py::init<const py::object&, const py::object&, const std::string&, const std::string&,
                    const py::object&>(),
           py::arg("path"), py::arg("mode") = "r", py::arg("hostname") = "", py::arg("comments") = "",
           py::arg("exporter") = py::none())
      .def("__iter__", [](FlowSet& s) -> FlowSet& { return s; })
      .def("__next__", &FlowSet::next)
      .def("write", [](FlowSet& s, const py::object& what) {
        if (py::isinstance<FlowPDU>(what)) return s.write_raw(what.cast<const FlowPDU&>().records);
        if (py::isinstance<Flow>(what)) return s.write_raw({what.cast<const Flow&>().r});
        // weir.meter() records: v5 records per direction, as -F flowtools writes them.
        if (std::vector<FlowRecord> recs; meter_records(what, recs)) return s.write_records(recs);
        std::vector<ftfmt::Record> recs;
        for (const py::handle f : py::iterable(what)) recs.push_back(f.cast<const Flow&>().r);
        s.write_raw(recs);
      }, py::arg("flows"), "Writes a FlowPDU, a Flow, an iterable of Flows, or weir.meter() records.")
      .def("close", &FlowSet::close)
      .def("__enter__", [](FlowSet& s) -> FlowSet& { return s; })
      .def("__exit__", [](FlowSet& s, const py::args&) { s.close(); })
      .def_property_readonly("header", &FlowSet::header);

  py::class_<FlowPDUIter>(m, "_FlowPDUIter")
      .def("__iter__", [](FlowPDUIter& it) -> FlowPDUIter& { return it; })
      .def("__next__", [](FlowPDUIter& it) {
        if (it.next >= it.p->records.size()) throw py::stop_iteration();
        return Flow{it.p->records[it.next++]};
      });

  py::class_<FlowPDU>(m, "FlowPDU", "A NetFlow v5 datagram: FlowPDU(exporter_ip, udp_payload).")
      .def(py::init<const py::object&, const py::object&>(), py::arg("exporter"), py::arg("payload"))
      .def("__len__", [](const FlowPDU& p) { return p.records.size(); })
      .def("__iter__", [](const py::object& self) {
        return FlowPDUIter{self, &self.cast<const FlowPDU&>(), 0};
      })
      .def("__getitem__", [](const FlowPDU& p, py::ssize_t i) {
        const auto n = static_cast<py::ssize_t>(p.records.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) throw py::index_error("flow index out of range");
        return Flow{p.records[static_cast<std::size_t>(i)]};
      })
      .def("is_next", &FlowPDU::is_next, py::arg("other"))
      .def("__eq__", [](const FlowPDU& a, const FlowPDU& b) { return a == b; })
      .def_property_readonly("exporter", [](const FlowPDU& p) { return ipv4_text(p.exporter); })
      .def_readonly("version", &FlowPDU::version)
      .def_readonly("count", &FlowPDU::count)
      .def_readonly("sysUpTime", &FlowPDU::sys_uptime)
      .def_readonly("unix_secs", &FlowPDU::unix_secs)
      .def_readonly("unix_nsecs", &FlowPDU::unix_nsecs)
      .def_readonly("flow_sequence", &FlowPDU::sequence)
      .def_readonly("engine_type", &FlowPDU::engine_type)
      .def_readonly("engine_id", &FlowPDU::engine_id)
      .def_readonly("sampling_interval", &FlowPDU::sampling);
}

}  // namespace weir::pymod

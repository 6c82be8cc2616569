// SPDX-License-Identifier: Apache-2.0
// weir.meter(): one engine run into memory, then records as Python objects or as a
// DataFrame.
//
// Design: a CollectSink appends the merger's ordered bursts to one vector<FlowRecord>
// while the GIL is released, so Python threads run during the whole metering; nothing
// is converted per packet or per record until asked. Records (the result) shares that
// vector; a Record copies its FlowRecord, so it outlives the result and never aliases
// another. to_pandas() builds one typed numpy array per column straight from the
// vector (no text, no temporary file) and hands them to pandas.DataFrame.
//
// Names: every field of the registry (exporters/field_registry.hpp), direction fields as
// fwd_<name> and bwd_<name> (bwd_ only when bidirectional), as in the CSV header.
#include <arpa/inet.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/engine.hpp"
#include "exporters/field_registry.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace weir::pymod {
namespace {

using fields::FieldRef;

class CollectSink final : public FlowSink {
 public:
  explicit CollectSink(std::vector<FlowRecord>& out) : out_(out) {}
  Status write_burst(std::span<const FlowRecord> recs) override {
    out_.insert(out_.end(), recs.begin(), recs.end());
    return {};
  }
  Status finish() override { return {}; }
  uint64_t records_written() const noexcept override { return out_.size(); }

 private:
  std::vector<FlowRecord>& out_;
};

// The columns of a run: table order, flow fields then fwd_ then bwd_ (as the CSV).
struct Columns {
  std::vector<FieldRef> refs;
  std::vector<std::string> names;
  std::unordered_map<std::string, std::size_t> index;

  explicit Columns(bool bidirectional) {
    const int n_dirs = bidirectional ? 2 : 1;
    for (const auto& f : fields::kFields)
      if (f.scope == fields::Scope::flow) refs.push_back({&f, -1});
    for (int d = 0; d < n_dirs; ++d)
      for (const auto& f : fields::kFields)
        if (f.scope == fields::Scope::dir) refs.push_back({&f, d});
    for (std::size_t i = 0; i < refs.size(); ++i) {
      names.push_back(refs[i].full_name());
      index.emplace(names.back(), i);
    }
  }
  static const Columns& get(bool bidirectional) {
    static const Columns bi(true), uni(false);
    return bidirectional ? bi : uni;
  }
};

const char* field_ptr(const FlowRecord& r, const FieldRef& ref) {
  const char* base = ref.dir < 0 ? reinterpret_cast<const char*>(&r)
                                 : reinterpret_cast<const char*>(&r.dir[static_cast<std::size_t>(ref.dir)]);
  return base + ref.field->offset;
}

std::string addr_text(const FlowRecord& r, const std::array<uint8_t, 16>& a) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (r.ip_version == 4) inet_ntop(AF_INET, a.data(), buf, sizeof buf);
  if (r.ip_version == 6) inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  return buf;
}

bool is_string_column(const fields::Field& f) {
  return f.type == fields::Type::bytes16 || f.text == fields::Text::end_reason;
}

// A numeric field's value (computed ones included) as double or integer.
double load_f64(const FlowRecord& r, const FieldRef& ref) {
  double v;
  std::memcpy(&v, field_ptr(r, ref), sizeof v);
  return v;
}
uint64_t load_number(const FlowRecord& r, const FieldRef& ref) {
  switch (ref.field->text) {
    case fields::Text::duration: return r.end_ns >= r.start_ns ? r.end_ns - r.start_ns : 0;
    case fields::Text::end_reason_ipfix: return fields::ipfix_end_reason(r.end_reason);
    default: return fields::load_uint(r, ref);
  }
}

py::object field_value(const FlowRecord& r, const FieldRef& ref) {
  const fields::Field& f = *ref.field;
  if (f.type == fields::Type::bytes16)
    return py::str(addr_text(r, *reinterpret_cast<const std::array<uint8_t, 16>*>(field_ptr(r, ref))));
  if (f.text == fields::Text::end_reason) return py::str(std::string(end_reason_name(r.end_reason)));
  if (f.type == fields::Type::f64) return py::float_(load_f64(r, ref));
  return py::int_(load_number(r, ref));
}

struct RunData {
  std::vector<FlowRecord> records;
  bool bidirectional = true;
  RunSummary summary;
};

// One metered record: a copy, with attributes by registry name.
struct Record {
  FlowRecord r;
  bool bidirectional;

  py::object get(const std::string& name) const {
    const Columns& c = Columns::get(bidirectional);
    const auto it = c.index.find(name);
    if (it == c.index.end()) throw py::attribute_error("weir.Record has no field '" + name + "'");
    return field_value(r, c.refs[it->second]);
  }
  py::dict as_dict() const {
    const Columns& c = Columns::get(bidirectional);
    py::dict d;
    for (std::size_t i = 0; i < c.refs.size(); ++i) d[py::str(c.names[i])] = field_value(r, c.refs[i]);
    return d;
  }
  std::string repr() const {
    return "<weir.Record " + std::to_string(r.proto) + " " + addr_text(r, r.src_addr) + ":" +
           std::to_string(r.src_port) + " -> " + addr_text(r, r.dst_addr) + ":" +
           std::to_string(r.dst_port) + " packets=" + std::to_string(r.dir[0].packets) + "+" +
           std::to_string(r.dir[1].packets) + ">";
  }
};

struct Records {
  std::shared_ptr<const RunData> data;

  std::size_t size() const { return data->records.size(); }
  Record at(py::ssize_t i) const {
    const auto n = static_cast<py::ssize_t>(size());
    if (i < 0) i += n;
    if (i < 0 || i >= n) throw py::index_error("record index out of range");
    return {data->records[static_cast<std::size_t>(i)], data->bidirectional};
  }
};

struct RecordIter {
  std::shared_ptr<const RunData> data;
  std::size_t next = 0;
};

// One numeric column being filled: where its values go and how wide they are.
struct NumericColumn {
  const FieldRef* ref;
  char* out;
  uint32_t width;  // bytes per value
  bool f64;
};

void store(const NumericColumn& c, std::size_t i, uint64_t v) {
  char* p = c.out + i * c.width;
  switch (c.width) {
    case 1: *reinterpret_cast<uint8_t*>(p) = static_cast<uint8_t>(v); break;
    case 2: *reinterpret_cast<uint16_t*>(p) = static_cast<uint16_t>(v); break;
    case 4: *reinterpret_cast<uint32_t*>(p) = static_cast<uint32_t>(v); break;
    default: *reinterpret_cast<uint64_t*>(p) = v; break;
  }
}

py::object to_pandas(const Records& self) {
  const std::vector<FlowRecord>& recs = self.data->records;
  const Columns& c = Columns::get(self.data->bidirectional);
  const auto n = static_cast<py::ssize_t>(recs.size());
  const py::module_ np = py::module_::import("numpy");
  std::vector<py::object> cols(c.refs.size());
  std::vector<NumericColumn> numeric;
  for (std::size_t k = 0; k < c.refs.size(); ++k) {
    const FieldRef& ref = c.refs[k];
    if (is_string_column(*ref.field)) {
      py::list l(recs.size());
      for (std::size_t i = 0; i < recs.size(); ++i)
        PyList_SET_ITEM(l.ptr(), static_cast<py::ssize_t>(i), field_value(recs[i], ref).release().ptr());
      cols[k] = np.attr("array")(l, "dtype"_a = "object");
      continue;
    }
    const bool f64 = ref.field->type == fields::Type::f64;
    const uint32_t width = fields::type_bytes(ref.field->type);
    const char* dtype = f64           ? "float64"
                        : width == 1  ? "uint8"
                        : width == 2  ? "uint16"
                        : width == 4  ? "uint32"
                                      : "uint64";
    py::array a(py::dtype(dtype), std::vector<py::ssize_t>{n});
    numeric.push_back({&ref, static_cast<char*>(a.mutable_data()), width, f64});
    cols[k] = std::move(a);
  }
  {
    // Record by record (each FlowRecord is read once, from memory in order), into every
    // column; no Python object is touched.
    py::gil_scoped_release nogil;
    for (std::size_t i = 0; i < recs.size(); ++i) {
      for (const NumericColumn& col : numeric) {
        if (col.f64) {
          const double v = load_f64(recs[i], *col.ref);
          std::memcpy(col.out + i * 8, &v, 8);
        } else {
          store(col, i, load_number(recs[i], *col.ref));
        }
      }
    }
  }
  py::dict d;
  for (std::size_t k = 0; k < c.refs.size(); ++k) d[py::str(c.names[k])] = cols[k];
  return py::module_::import("pandas").attr("DataFrame")(d, "copy"_a = false);
}

py::dict summary_dict(const RunSummary& s) {
  py::dict d;
  d["packets_read"] = s.packets_read;
  d["wire_bytes_read"] = s.wire_bytes_read;
  d["files"] = s.files;
  d["filtered"] = s.filtered;
  d["packets_metered"] = s.packets_metered;
  d["packets_not_metered"] = s.not_metered();
  d["records"] = s.records_total;
  d["record_packets"] = s.record_packets;
  d["peak_live_flows"] = s.peak_live_flows;
  return d;
}

uint64_t seconds_ns(const std::string& name, const py::handle& v) {
  const double s = v.cast<double>();
  if (!(s >= 0) || s > 1e9)
    throw py::value_error(name + ": expected seconds >= 0, got " + py::str(v).cast<std::string>());
  return static_cast<uint64_t>(s * 1e9 + 0.5);
}

uint64_t count_value(const std::string& name, const py::handle& v) {
  const long long n = v.cast<long long>();
  if (n < 0) throw py::value_error(name + ": expected a count >= 0, got " + std::to_string(n));
  return static_cast<uint64_t>(n);
}

constexpr const char* kOptions =
    "idle_timeout, active_timeout, tcp_close_grace, duration (seconds), filter (BPF), workers, "
    "max_flows, packet_limit, vlan_key, reader_thread, per_queue";

void apply_option(EngineConfig& cfg, const std::string& k, const py::handle& v) {
  if (k == "idle_timeout") {
    cfg.idle_timeout_ns = seconds_ns(k, v);
  } else if (k == "active_timeout") {
    cfg.active_timeout_ns = seconds_ns(k, v);
  } else if (k == "tcp_close_grace") {
    cfg.tcp_close_grace_ns = seconds_ns(k, v);
  } else if (k == "duration") {
    cfg.duration_ns = seconds_ns(k, v);
  } else if (k == "filter") {
    cfg.filter = v.is_none() ? std::string() : v.cast<std::string>();
  } else if (k == "workers") {
    cfg.workers = static_cast<uint32_t>(std::min<uint64_t>(count_value(k, v), UINT32_MAX));
  } else if (k == "max_flows") {
    cfg.max_flows = count_value(k, v);
  } else if (k == "packet_limit") {
    cfg.packet_limit = count_value(k, v);
  } else if (k == "vlan_key") {
    cfg.vlan_key = v.cast<bool>();
  } else if (k == "reader_thread") {
    cfg.reader_thread = v.cast<bool>();
  } else if (k == "per_queue") {
    cfg.per_queue = v.cast<bool>();
  } else {
    throw py::type_error("weir.meter() got an unknown option '" + k + "' (options: " + kOptions + ")");
  }
}

std::vector<std::string> capture_paths(const py::object& path) {
  const py::object fspath = py::module_::import("os").attr("fspath");
  std::vector<std::string> out;
  if (py::isinstance<py::str>(path) || py::hasattr(path, "__fspath__")) {
    out.push_back(fspath(path).cast<std::string>());
  } else {
    for (const py::handle p : path) out.push_back(fspath(p).cast<std::string>());
  }
  if (out.empty()) throw py::value_error("weir.meter(): no capture file given");
  return out;
}

Records meter(const py::object& path, bool bidirectional, const py::kwargs& options) {
  EngineConfig cfg;
  cfg.capture.files = capture_paths(path);
  cfg.bidirectional = bidirectional;
  for (const auto& [k, v] : options) apply_option(cfg, k.cast<std::string>(), v);
  auto data = std::make_shared<RunData>();
  data->bidirectional = bidirectional;
  Status s;
  {
    py::gil_scoped_release nogil;
    Engine eng(cfg);
    eng.add_sink(std::make_unique<CollectSink>(data->records));
    s = eng.run(data->summary);
  }
  check(s);
  // The CLI exits 4 here: the capture is bad from some point on. The records before it
  // are not handed out as if the input were whole.
  if (!data->summary.input_error.empty())
    check({Errc::malformed, Origin::input, data->summary.input_error});
  return {std::move(data)};
}

}  // namespace

bool meter_records(const py::handle& obj, std::vector<FlowRecord>& out) {
  if (py::isinstance<Records>(obj)) {
    const auto& recs = obj.cast<const Records&>().data->records;
    out.assign(recs.begin(), recs.end());
    return true;
  }
  if (py::isinstance<Record>(obj)) {
    out.assign(1, obj.cast<const Record&>().r);
    return true;
  }
  return false;
}

void bind_meter(py::module_& m) {
  py::class_<Record>(m, "Record", "One flow record metered by weir.meter(); attributes by field name.")
      .def("__getattr__", &Record::get)
      .def("as_dict", &Record::as_dict, "All fields as a dict, in CSV column order.")
      .def("__dir__", [](const Record& r) {
        py::list l;
        for (const auto& n : Columns::get(r.bidirectional).names) l.append(n);
        l.append("as_dict");
        return l;
      })
      .def("__repr__", &Record::repr);

  py::class_<RecordIter>(m, "_RecordIter")
      .def("__iter__", [](RecordIter& it) -> RecordIter& { return it; })
      .def("__next__", [](RecordIter& it) {
        if (it.next >= it.data->records.size()) throw py::stop_iteration();
        return Record{it.data->records[it.next++], it.data->bidirectional};
      });

  py::class_<Records>(m, "Records",
                      "The records of one weir.meter() run, in weir's output order "
                      "(ascending expiry time, flow id).")
      .def("__len__", &Records::size)
      .def("__getitem__", &Records::at)
      .def("__iter__", [](const Records& r) { return RecordIter{r.data, 0}; })
      .def("to_pandas", &to_pandas,
           "A pandas DataFrame, one typed column per field (uint8..uint64, float64; "
           "addresses and end_reason as str).")
      .def_property_readonly("columns",
                             [](const Records& r) { return Columns::get(r.data->bidirectional).names; })
      .def_property_readonly("bidirectional", [](const Records& r) { return r.data->bidirectional; })
      .def_property_readonly("summary", [](const Records& r) { return summary_dict(r.data->summary); },
                             "The run summary: packets read, metered, filtered, records.");

  m.def("meter", &meter, py::arg("path"), py::arg("bidirectional") = true,
        (std::string("Meters capture file(s) (a path, or a list read in order as one stream) "
                     "and returns their flow records (weir.Records). The GIL is released while "
                     "metering. Options: ") + kOptions + ".").c_str());
}

}  // namespace weir::pymod

// SPDX-License-Identifier: Apache-2.0
// The pieces of the `weir` Python module (module.cpp puts them together):
//   meter.cpp    weir.meter(path, bidirectional, **options) -> Records (records metered by
//                the engine, attributes named by the field registry; .to_pandas())
//   netflow.cpp  weir.FlowSet, weir.FlowPDU, weir.Flow: pyflowtools' API over weir's
//                flow-tools reader/writer and NetFlow v5 records
// raise_status() turns a weir Status into the Python exception a user expects.
#pragma once

#include <pybind11/pybind11.h>

#include <vector>

#include "engine/base/common.hpp"
#include "engine/base/flow_record.hpp"

namespace weir::pymod {

void bind_meter(pybind11::module_& m);
void bind_netflow(pybind11::module_& m);

// True when `obj` is weir.meter()'s result or one of its records; `out` gets their
// FlowRecords (FlowSet.write turns them into flow-tools records).
bool meter_records(const pybind11::handle& obj, std::vector<FlowRecord>& out);

// Throws: FileNotFoundError (input missing), PermissionError, ValueError (bad options,
// filter, malformed input), OSError (other I/O), MemoryError; the message is weir's.
[[noreturn]] void raise_status(const Status& s);
inline void check(const Status& s) {
  if (!s) raise_status(s);
}

}  // namespace weir::pymod

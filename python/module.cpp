// SPDX-License-Identifier: Apache-2.0
// `import weir`: see bindings.hpp and doc/python.md.
#include <cerrno>
#include <cstring>

#include "python/bindings.hpp"
#include "weir_config.h"

namespace weir::pymod {

void raise_status(const Status& s) {
  PyObject* type = PyExc_OSError;
  switch (s.code) {
    case Errc::not_found: type = PyExc_FileNotFoundError; break;
    case Errc::invalid_argument:
    case Errc::malformed:
    case Errc::unsupported: type = PyExc_ValueError; break;
    case Errc::no_memory: type = PyExc_MemoryError; break;
    case Errc::io_error:
      type = s.message.find(std::strerror(EACCES)) != std::string::npos ? PyExc_PermissionError
                                                                          : PyExc_OSError;
      break;
    case Errc::ok: type = PyExc_RuntimeError; break;
  }
  PyErr_SetString(type, s.message.c_str());
  throw pybind11::error_already_set();
}

}  // namespace weir::pymod

PYBIND11_MODULE(weir, m) {
  m.doc() = "weir: flow records from captures (meter) and flow-tools / NetFlow v5 records "
            "(FlowSet, FlowPDU, Flow; pyflowtools' API). See doc/python.md.";
  m.attr("__version__") = WEIR_VERSION;
  weir::pymod::bind_meter(m);
  weir::pymod::bind_netflow(m);
}

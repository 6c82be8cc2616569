// SPDX-License-Identifier: Apache-2.0
#include "exporters/field_registry.hpp"

#include <cstring>

namespace weir::fields {

std::string_view type_name(Type t) noexcept {
  switch (t) {
    case Type::u8: return "u8";
    case Type::u16: return "u16";
    case Type::u32: return "u32";
    case Type::u64: return "u64";
    case Type::f64: return "f64";
    case Type::bytes16: return "bytes16";
  }
  return "unknown";
}

std::string FieldRef::full_name() const {
  std::string n = dir < 0 ? std::string() : std::string(kDirPrefix[static_cast<std::size_t>(dir)]);
  n += field->name;
  return n;
}

uint64_t load_uint(const FlowRecord& r, const FieldRef& ref) noexcept {
  const Field& f = *ref.field;
  if (f.offset == kComputed) return 0;
  const char* base = ref.dir < 0 ? reinterpret_cast<const char*>(&r)
                                 : reinterpret_cast<const char*>(&r.dir[static_cast<std::size_t>(ref.dir)]);
  const char* p = base + f.offset;
  switch (f.type) {
    case Type::u8: return static_cast<uint8_t>(*p);
    case Type::u16: {
      uint16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case Type::u32: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    case Type::u64: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
    case Type::f64:
    case Type::bytes16: return 0;
  }
  return 0;
}

}  // namespace weir::fields

// SPDX-License-Identifier: Apache-2.0
// JSON lines: one object per record, one line each ('\n'), for Kafka and tools that
// read JSON. Keys are the CSV column names (field_registry.hpp) in the same order;
// integers are numbers; means and standard deviations numbers with three decimals
// (null for NaN and infinities); addresses, TCP flag letters and end_reason strings;
// fields CSV leaves empty (ICMP fields of other protocols, addresses of a non-IP
// record) are null. Unidirectional output has no bwd_* keys. Like CSV it is generated
// from the registry at compile time (detail/text_format.hpp).
//
// On a message destination (kafka://) every record is one message keyed by
// canonical_flow_key(), so all records of a flow, either direction first, land in one
// partition.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/base/flow_record.hpp"
#include "exporters/csv_format.hpp"

namespace weir {

// Upper bound of one JSON line: the CSV bound plus every key (about 1 300 bytes),
// quotes and nulls. A test formats a worst-case record against it.
inline constexpr std::size_t kJsonMaxRecordBytes = kCsvMaxRecordBytes + 2048;

std::size_t format_json_record(const FlowRecord& rec, bool bidirectional, char* out) noexcept;

// ip_version, proto, then the (address, port) pair that sorts lower, then the other:
// the same bytes for both directions of a flow. IPv4 addresses use their first 4 bytes
// and zeros.
using FlowKeyBytes = std::array<uint8_t, 38>;
FlowKeyBytes canonical_flow_key(const FlowRecord& rec) noexcept;

}  // namespace weir

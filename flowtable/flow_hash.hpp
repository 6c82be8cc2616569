// SPDX-License-Identifier: Apache-2.0
// The flow hash: XXH3-64 over the 40-byte FlowKey. Keys are canonical in bidirectional
// mode (flow_key.hpp), so both directions hash alike: this is the symmetric hash that
// shards flows to workers. Bits 0-31 index the worker's table (bucket from the low
// bits, tag from bits 16-31); bits 32-63 pick the worker, so the two choices are
// independent.
//
// The seed: fixed for files (which worker owns a flow never changes the output, but a
// fixed seed keeps runs reproducible bit for bit even when the table is full and
// evictions happen); random per live run, so nobody can send traffic built to collide
// in the flow tables (hash flooding).
#pragma once

#include <cstdint>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine/base/flow_key.hpp"

namespace weir {

inline constexpr uint64_t kFlowHashSeed = 0x77656972'666c6f77ull;  // "weirflow"

inline uint64_t flow_hash64(const FlowKey& k, uint64_t seed = kFlowHashSeed) noexcept {
  return XXH3_64bits_withSeed(&k, sizeof(FlowKey), seed);
}

// Worker in [0, n_workers) from the high half of the hash (multiply-shift, no division).
inline uint32_t worker_of(uint64_t hash64, uint32_t n_workers) noexcept {
  return static_cast<uint32_t>(((hash64 >> 32) * n_workers) >> 32);
}

}  // namespace weir

// SPDX-License-Identifier: Apache-2.0
// ShardSource: one receive queue of a capture file, as a multi-queue NIC would fill it.
// Each of N shards reads the whole input through its own inner source, hashes every
// packet's IP addresses with the symmetric Toeplitz hash (soft_rss.hpp) and keeps the
// packets whose queue is its own; packets that are not IP (or do not decode) go to queue
// 0. So every packet lands on exactly one queue, both directions of a conversation and
// all fragments of a datagram on the same one, and no thread hands packets to another:
// the per-queue shape runs on a file exactly as on a NIC.
//
// Indices: every shard sees every packet, so it knows each kept packet's position in
// the input (burst_indices()), and flow ids are the same as in ordered replay.
// File-level notes (caplen > wire length, timestamps going back) are reported by
// shard 0 only, so that summing over queues counts them once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "capture/packet_source.hpp"

namespace weir {

// Wraps inner (which must read the same input as every other shard) as shard q of n.
std::unique_ptr<PacketSource> make_shard_source(std::unique_ptr<PacketSource> inner, uint32_t q,
                                                uint32_t n);

}  // namespace weir

// SPDX-License-Identifier: Apache-2.0
// SplitReplay: ordered replay of one big classic pcap file by N threads that each read,
// decode and meter -- for the machines where reading the file is as costly as metering
// it (a read() copies every byte once, and one core copies no faster than `cat`).
//
// Shape. The file is cut into chunks of kChunkBytes. Thread t reads the chunks c with
// c % N == t (pread into its own buffer), filters, decodes and hashes their packets, and
// files each PacketMeta under the worker that owns its flow (worker_of(hash)); thread t
// is also worker t and meters, chunk after chunk in file order, the packets filed under
// it by every thread. Records go to the merger as in every other shape, so the output is
// byte-identical to `-w 1` and to the reader + workers layout.
//
// What reading in parallel must put back in sequence, done by "sealing" chunk c once
// chunk c-1 is sealed (any thread may seal; the chain makes it sequential):
//   - the chunk's first record: the reader guessed it (ChunkReader::resync); it must be
//     where chunk c-1's walk ended, else the chunk is read again from there;
//   - packet indices (flow ids) and the clock (packet time never goes back): metas carry
//     chunk-local values; sealing fixes the chunk's base index and the clock before it;
//   - fragments: whether a fragment belongs to a flow depends on every fragment before
//     it, so fragment packets (PacketMeta::kIpFragment) are not decoded by the reader but
//     copied aside and decoded at sealing by one decoder that sees all of them in order.
// Chunk slots are reused once every worker has metered them, so memory is bounded by the
// slots in flight (about 2 N chunks), not by the file.
//
// Used for one regular classic-pcap file without -c / --duration / --stop-after; other
// inputs run the single-reader layouts.
#pragma once

#include <cstdint>
#include <string>

#include "capture/decode/decoder.hpp"
#include "capture/pcap_file/chunk_reader.hpp"
#include "engine/merger.hpp"
#include "engine/summary.hpp"
#include "engine/worker.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir {

struct SplitReplayConfig {
  uint32_t threads = 2;
  MeterConfig meter;
  DecodeConfig decode;
  std::string filter;
  uint64_t flush_interval_ns = 1'000'000'000;
  bool progress = false;
  // Bytes per chunk: large enough that the hand-over per chunk is noise, small enough
  // that 2 N chunks in flight stay in the last-level cache's neighbourhood.
  uint64_t chunk_bytes = 2ull << 20;
};

// Runs the whole replay; RunSummary gets packet, record and decoder figures. An error
// Status only when it could not start (no memory for the tables, file unreadable).
Status run_split_replay(const PcapFileInfo& file, const SplitReplayConfig& cfg, SinkSet& sinks,
                        RunControl& run, RunSummary& sum);

}  // namespace weir

// SPDX-License-Identifier: Apache-2.0
// RotatingSink: tcpdump's -G/-W for flow files. The -o path is a strftime(3) pattern
// ("flows-%Y%m%d-%H%M%S.bin"); every rotate_ns of wall time the current file is finished
// (complete: binary trailer, rename into place) and a new one is opened under the pattern
// expanded at that moment. With rotate_keep = N, at most N files exist: opening one more
// removes the oldest this run wrote.
//
// Design: the check is one clock read per burst of records and per flush (the merger
// flushes every --flush-interval), so files rotate on a quiet link too, and nothing is
// done per record. A pattern that gives the previous file's name again (no %S with -G 1),
// or the name of a file -W still keeps, is an error at rotation, never a silent
// overwrite; a pattern that cycles back to an older name (%M with -G 60, after an hour)
// overwrites that file, as tcpdump does. Files only: a stream, socket or broker has
// nothing to rotate. One thread (the merger) uses it.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "exporters/flow_sink.hpp"

namespace weir {

Status open_rotating_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);

// The pattern expanded for a wall-clock time (local time, as tcpdump). Exposed for tests.
std::string rotated_name(const std::string& pattern, uint64_t wall_ns);

}  // namespace weir

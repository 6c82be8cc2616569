// SPDX-License-Identifier: Apache-2.0
// -r DIR: the captures of a directory, each metered on its own run into
// OUTDIR/<name>_flow.csv (PyFlowMeter's batch mode, for any output format).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/common.hpp"

namespace weir::cli {

struct DirInput {
  std::string path;    // DIR/file
  std::string output;  // OUTDIR/<name>_flow.<ext>
};

// The regular files of dir that start like a capture (pcap, pcapng, gzip or zstd magic),
// sorted by name, not recursive; `skipped` gets the other regular files. Error
// (Origin::input) when dir cannot be listed; no captures at all is an error too.
Status list_input_dir(const std::string& dir, const std::string& out_dir, std::string_view ext,
                      std::vector<DirInput>& files, std::vector<std::string>& skipped);
// "trace.pcap.gz" -> "trace": the name without its capture and compression suffixes.
std::string capture_stem(const std::string& file_name);
// Creates out_dir (and its parents) if missing (Origin::output on failure).
Status make_output_dir(const std::string& out_dir);

}  // namespace weir::cli

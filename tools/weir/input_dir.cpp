// SPDX-License-Identifier: Apache-2.0
#include "tools/weir/input_dir.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace weir::cli {

namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, std::string_view suf) {
  return s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

// pcap (µs and ns, both byte orders), pcapng, gzip, zstd.
bool looks_like_capture(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::array<unsigned char, 4> m{};
  if (!f.read(reinterpret_cast<char*>(m.data()), 4)) return false;
  uint32_t le = 0;
  std::memcpy(&le, m.data(), 4);
  static constexpr uint32_t kMagics[] = {0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
                                         0x0a0d0d0a, 0xfd2fb528};
  if (std::find(std::begin(kMagics), std::end(kMagics), le) != std::end(kMagics)) return true;
  return m[0] == 0x1f && m[1] == 0x8b;  // gzip
}

}  // namespace

std::string capture_stem(const std::string& file_name) {
  std::string s = file_name;
  for (std::string_view suf : {".gz", ".zst"})
    if (ends_with(s, suf)) s.resize(s.size() - suf.size());
  for (std::string_view suf : {".pcapng", ".pcap", ".cap"})
    if (ends_with(s, suf)) s.resize(s.size() - suf.size());
  return s;
}

Status list_input_dir(const std::string& dir, const std::string& out_dir, std::string_view ext,
                      std::vector<DirInput>& files, std::vector<std::string>& skipped) {
  std::error_code ec;
  std::vector<fs::path> all;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) all.push_back(it->path());
  }
  if (ec) return {Errc::io_error, Origin::input, "-r " + dir + ": " + ec.message()};
  std::sort(all.begin(), all.end());
  for (const fs::path& p : all) {
    if (!looks_like_capture(p)) {
      skipped.push_back(p.string());
      continue;
    }
    const std::string name =
        capture_stem(p.filename().string()) + "_flow." + std::string(ext);
    files.push_back({p.string(), (fs::path(out_dir) / name).string()});
  }
  if (files.empty())
    return {Errc::not_found, Origin::input, "-r " + dir + ": no capture files in the directory"};
  for (std::size_t i = 1; i < files.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (files[i].output == files[j].output)
        return {Errc::invalid_argument, Origin::config,
                "-r " + dir + ": " + files[j].path + " and " + files[i].path +
                    " would both write " + files[i].output};
    }
  }
  return {};
}

Status make_output_dir(const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    return {Errc::io_error, Origin::output,
            "-o " + out_dir + ": cannot create the output directory" +
                (ec ? ": " + ec.message() : std::string(" (a file is in the way)"))};
  return {};
}

}  // namespace weir::cli

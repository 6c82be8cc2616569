// SPDX-License-Identifier: Apache-2.0
// Test helper: a CSV file with a header row as rows of named cells (weir's CSV never
// quotes a field).
#pragma once

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace weir::test {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

inline CsvTable read_csv_table(const std::string& path) {
  CsvTable t;
  std::ifstream f(path);
  std::string line;
  auto split = [](const std::string& l) {
    std::vector<std::string> cols;
    std::stringstream ss(l);
    std::string c;
    while (std::getline(ss, c, ',')) cols.push_back(c);
    if (!l.empty() && l.back() == ',') cols.emplace_back();
    return cols;
  };
  if (!std::getline(f, line)) return t;
  t.header = split(line);
  while (std::getline(f, line)) {
    const auto cols = split(line);
    auto& row = t.rows.emplace_back();
    for (std::size_t i = 0; i < t.header.size() && i < cols.size(); ++i) row[t.header[i]] = cols[i];
  }
  return t;
}

}  // namespace weir::test

// SPDX-License-Identifier: Apache-2.0
// The field tables in doc/export.md and doc/binary-format.md are the registry's: each
// doc holds the generated table between <!-- fields:begin --> and <!-- fields:end -->.
// With WEIR_UPDATE_DOCS=1 the test rewrites the tables instead of failing.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "exporters/binary_format.hpp"
#include "exporters/field_registry.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

void check_generated_block(const std::string& doc, const std::string& generated) {
  const std::string path = std::string(WEIR_SOURCE_ROOT) + "/" + doc;
  std::string text = test::read_all(path);
  const std::string begin = "<!-- fields:begin -->\n";
  const std::string end = "<!-- fields:end -->";
  const std::size_t b = text.find(begin);
  const std::size_t e = text.find(end);
  ASSERT_NE(b, std::string::npos) << path << " has no " << begin;
  ASSERT_NE(e, std::string::npos) << path << " has no " << end;
  const std::string current = text.substr(b + begin.size(), e - b - begin.size());
  if (current == generated) return;
  const char* update = std::getenv("WEIR_UPDATE_DOCS");
  if (update && std::string(update) == "1") {
    text.replace(b + begin.size(), e - b - begin.size(), generated);
    test::write_all(path, text);
    return;
  }
  ADD_FAILURE() << doc << ": the field table is not the registry's. Run\n  WEIR_UPDATE_DOCS=1 "
                << "build/tests/exporters/exporters_test --gtest_filter='Docs.*'\nto rewrite it.";
}

TEST(Docs, ExportFieldTableIsTheRegistrys) {
  check_generated_block("doc/export.md", fields::fields_markdown());
}

TEST(Docs, BinaryFieldTableIsTheRegistrys) {
  check_generated_block("doc/binary-format.md", binfmt::fields_markdown());
}

}  // namespace
}  // namespace weir

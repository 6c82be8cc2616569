// SPDX-License-Identifier: Apache-2.0
// `weir bench`: the end-to-end benchmark harness (see bench_cmd.cpp).
#pragma once

namespace weir {
int bench_main(int argc, char** argv);
}

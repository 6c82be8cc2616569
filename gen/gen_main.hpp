// SPDX-License-Identifier: Apache-2.0
// `weir gen`: the command-line front end of the traffic generator (traffic_gen.hpp).
#pragma once

namespace weir {

// argv[0] is "gen". Returns the process exit code: 0 ok, 2 usage error, 5 output error
// (1 for anything else, e.g. out of memory). Prints --help to stdout.
int gen_main(int argc, char** argv);

}  // namespace weir

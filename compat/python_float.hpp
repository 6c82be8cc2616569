// SPDX-License-Identifier: Apache-2.0
// Python's float text: what str()/repr() of a float print (and so what the csv module
// writes), the shortest digits that read back to the same double, in fixed notation
// for 1e-4 <= |v| < 1e16 with at least one digit after the point ("60.0", "0.0001"),
// else in exponent notation with a two-digit minimum exponent ("1e-05", "1e+16");
// "nan", "inf", "-inf" for the non-finite values.
// The compat formats use it so their columns read byte for byte like the tools' own.
#pragma once

#include <cstddef>
#include <string>

namespace weir::compat {

// Writes v into out (at least kPythonFloatMaxBytes) and returns the number of bytes.
inline constexpr std::size_t kPythonFloatMaxBytes = 32;
std::size_t python_float(double v, char* out) noexcept;
std::string python_float(double v);

}  // namespace weir::compat

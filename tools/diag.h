// Shared by the diagnostic tools (fileinfo.cc, dirinfo.cc, filepaths.cc,
// filerepair.cc): how their numbers are printed.
#pragma once

#include <cstdint>
#include <string>

#include "tools/common.h"

namespace antler::tools {

// The format for a value: counts (bytes = false) stay plain under
// -k/-m/-g, which only scale byte values.
inline Format value_format(Format f, bool bytes) {
  return !bytes && (f == Format::kKiB || f == Format::kMiB || f == Format::kGiB) ? Format::kPlain : f;
}

// A number right-aligned in `width` columns, as the MooseFS tools print
// them (10 for 32-bit counts, 20 for 64-bit values).
inline std::string column(uint64_t v, Format f, bool bytes, int width) {
  std::string s = number(v, value_format(f, bytes));
  return s.size() >= static_cast<size_t>(width) ? s : std::string(width - s.size(), ' ') + s;
}

// A 32-bit count as mfscheckfile and mfsfilerepair print it: 10 columns,
// 6 with -h, 5 with -H (MooseFS 3.0.117).
inline std::string count_column(uint64_t v, Format f) {
  int width = f == Format::kBinary ? 6 : f == Format::kDecimal ? 5 : 10;
  return column(v, f, false, width);
}

}  // namespace antler::tools

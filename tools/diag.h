// Shared by the diagnostic tools (fileinfo.cc, checkfile.cc, dirinfo.cc,
// filepaths.cc, filerepair.cc): how their numbers are printed, and the
// chunks of a file (diag.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/tools.h"
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

// ClFileInfo for each path, then done(path, reply); "PATH: not a file" for
// anything else than a regular file. Returns the exit status, as
// for_each_path.
template <class Done>
int for_each_file(const std::vector<std::string>& paths, Done done) {
  int rc = 0;
  for (const std::string& p : paths) {
    Result<Target> t = locate(p);
    if (!t) {
      rc = fail(t.status());
      continue;
    }
    if (t->is_dir) {
      rc = fail(p + ": not a file");
      continue;
    }
    auto r = call<msg::ClFileInfoReply>(*t, msg::ClFileInfo{0, {}, t->inode});
    if (!r) rc = fail(r.status().with_context(p));
    else if (r->status == St::kInval) rc = fail(p + ": not a file");
    else if (r->status != St::kOk) rc = fail(p + ": " + describe(r->status));
    else done(p, *r);
  }
  return rc;
}

// The copies of c the master counts as valid.
size_t valid_copies(const msg::ChunkInfo& c);

// " chunks with 2 copies:            1" lines, fewest copies first, for the
// chunks of r that are not holes (mfscheckfile, mfsfileinfo -q).
void print_copy_counts(const msg::ClFileInfoReply& r, Format f);

}  // namespace antler::tools

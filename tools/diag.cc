#include "tools/diag.h"

#include <cstdio>

namespace antler::tools {

size_t valid_copies(const msg::ChunkInfo& c) {
  size_t valid = 0;
  for (const msg::CopyInfo& cp : c.copies) valid += cp.state == msg::kCopyValid;
  return valid;
}

void print_copy_counts(const msg::ClFileInfoReply& r, Format f) {
  uint64_t by_copies[11] = {};
  for (const msg::ChunkInfo& c : r.chunks) {
    size_t valid = valid_copies(c);
    by_copies[valid < 10 ? valid : 10]++;
  }
  for (int i = 0; i <= 10; i++) {
    if (by_copies[i] == 0) continue;
    std::string label = i == 1    ? " chunks with 1 copy:"
                        : i == 10 ? " chunks with 10+ copies:"
                                  : " chunks with " + std::to_string(i) + " copies:";
    std::printf("%-25s%s\n", label.c_str(), count_column(by_copies[i], f).c_str());
  }
}

}  // namespace antler::tools

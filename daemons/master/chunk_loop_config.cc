// The chunk loop's pace and its rebalancing threshold (chunk_loop.h); kept
// apart from chunk_loop.cc so that unit tests reach them.
#include <algorithm>
#include <cstdlib>

#include "daemons/master/chunk_loop.h"

namespace antler::master {

uint64_t chunks_per_step(uint64_t total, int64_t max_cps, int64_t min_time) {
  uint64_t t = static_cast<uint64_t>(std::max<int64_t>(min_time, 1));
  uint64_t n = (total + t - 1) / t;
  return std::max<uint64_t>(1, std::min<uint64_t>(n, static_cast<uint64_t>(std::max<int64_t>(max_cps, 1))));
}

bool parse_acceptable_difference(const std::string& text, double* out) {
  const char* p = text.c_str();
  char* end = nullptr;
  double v = std::strtod(p, &end);
  if (end == p) return false;
  while (*end == ' ' || *end == '\t') end++;
  if (*end != '\0' || !(v >= 0.1 && v <= 10.0)) return false;
  *out = v;
  return true;
}

}  // namespace antler::master

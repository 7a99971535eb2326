// The chunk loop's pace and its settings that are not plain numbers
// (chunk_loop.h); kept apart from chunk_loop.cc so that unit tests reach them.
#include <algorithm>
#include <cstdlib>

#include "daemons/master/chunks/chunk_loop.h"

#include "common/config.h"

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

uint32_t RepLimits::most() const { return std::max({endangered, undergoal, balance_mean, balance_other}); }

bool parse_rep_limits(const std::string& text, RepLimits* out) {
  uint32_t v[4];
  size_t n = 0, i = 0;
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) i++;
    size_t start = i;
    uint64_t x = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && x <= 1000) x = x * 10 + uint64_t(text[i++] - '0');
    if (i == start || x > 1000 || n == 4) return false;
    v[n++] = static_cast<uint32_t>(x);
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) i++;
    if (i == text.size()) break;
    if (text[i++] != ',') return false;
  }
  if (n == 1) v[1] = v[2] = v[3] = v[0];
  else if (n != 4) return false;
  if (v[0] == 0 || v[1] == 0) return false;
  *out = RepLimits{v[0], v[1], v[2], v[3]};
  return true;
}

Result<LoopSettings> load_loop_settings(const Config& cfg) {
  ConfigReader r(cfg);
  LoopSettings s;
  auto bad = [&](const char* key, const char* what) {
    return Status::error(r.origin(key) + ": " + key + ": '" + r.str(key) + "' is not " + what);
  };
  if (!parse_acceptable_difference(r.str("ACCEPTABLE_PERCENTAGE_DIFFERENCE"), &s.acceptable_difference))
    return bad("ACCEPTABLE_PERCENTAGE_DIFFERENCE", "a percentage from 0.1 to 10");
  const char* limits = "one number or four separated by commas (1-1000, 1-1000, 0-1000, 0-1000)";
  if (!parse_rep_limits(r.str("CHUNKS_WRITE_REP_LIMIT"), &s.write)) return bad("CHUNKS_WRITE_REP_LIMIT", limits);
  if (!parse_rep_limits(r.str("CHUNKS_READ_REP_LIMIT"), &s.read)) return bad("CHUNKS_READ_REP_LIMIT", limits);
  s.delay_init_ms = r.num("REPLICATIONS_DELAY_INIT") * 1000;
  s.delay_disconnect_ms = r.num("REPLICATIONS_DELAY_DISCONNECT") * 1000;
  s.respect_topology = r.num("REPLICATIONS_RESPECT_TOPOLOGY");
  s.loop_min_time_s = r.num("CHUNKS_LOOP_MIN_TIME");
  s.loop_max_cps = r.num("CHUNKS_LOOP_MAX_CPS");
  s.soft_del_limit = static_cast<uint32_t>(r.num("CHUNKS_SOFT_DEL_LIMIT"));
  s.hard_del_limit = static_cast<uint32_t>(r.num("CHUNKS_HARD_DEL_LIMIT"));
  if (!r.status().ok()) return r.status();
  return s;
}

Result<PlacementSettings> load_placement_settings(const Config& cfg) {
  ConfigReader r(cfg);
  PlacementSettings s;
  s.unique_mode = r.num("CHUNKS_UNIQUE_MODE");
  s.creations_respect_topology = r.num("CREATIONS_RESPECT_TOPOLOGY");
  if (!r.status().ok()) return r.status();
  return s;
}

}  // namespace antler::master

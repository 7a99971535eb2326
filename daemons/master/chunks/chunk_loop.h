// State of the master's chunk loop (chunk_loop.cc). The loop runs one step a
// second: it checks the next slice of the chunk registry (a pass over every
// chunk takes at least CHUNKS_LOOP_MIN_TIME seconds, at most
// CHUNKS_LOOP_MAX_CPS chunks a second), queues the work it finds, and then
// starts queued work within the per-server limits:
//   replications  under-goal chunks, fewest valid copies first; a server is
//                 the destination of at most CHUNKS_WRITE_REP_LIMIT and the
//                 source of at most CHUNKS_READ_REP_LIMIT at a time (each
//                 limit per case: one copy left, under goal, rebalancing);
//   deletions     over-goal copies, stale-version copies and orphans (chunks
//                 no file uses), at most the current deletion limit per
//                 server per step (CHUNKS_SOFT_DEL_LIMIT, raised towards
//                 CHUNKS_HARD_DEL_LIMIT while deletions wait);
//   rebalancing   when nothing waits for replication and disk use of the
//                 fullest and the emptiest server differs by more than
//                 ACCEPTABLE_PERCENTAGE_DIFFERENCE: chunks at their goal get
//                 a copy on the emptiest, and the copy on the fullest goes.
// Chunks with no valid copy are counted and logged once, never changed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace antler {
class Config;
}

namespace antler::master {

// Chunks to check in one step of a second: the whole registry of `total`
// chunks in min_time seconds, but never more than max_cps (at least 1).
uint64_t chunks_per_step(uint64_t total, int64_t max_cps, int64_t min_time);

// What the last complete pass found.
struct ChunkCounts {
  uint64_t chunks = 0;
  uint64_t under_goal = 0;    // fewer valid copies than the goal (but at least one)
  uint64_t over_goal = 0;     // more valid copies than the goal
  uint64_t missing = 0;       // no valid copy on a connected server
  uint64_t stale_copies = 0;  // copies of an older (or other) version than the master's
  // Per server with disks marked for removal: its copies there, and how many
  // of those chunks lack their goal on other disks (0: safe to remove).
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> removal;
  bool operator==(const ChunkCounts&) const = default;
};

// Totals since the master started (for operators: logs, a future exporter).
struct ChunkLoopTotals {
  uint64_t replications_done = 0, replications_failed = 0;
  uint64_t deletions_done = 0, deletions_failed = 0;
  uint64_t rebalanced = 0;  // replications started to even out disk use
  uint64_t passes = 0;
};

enum class DelWhy : uint8_t { kStale, kOrphan };

struct Deletion {
  uint64_t chunk = 0;
  uint32_t version = 0;  // the version the server reported (the delete names it)
  DelWhy why = DelWhy::kStale;
};

// Parses ACCEPTABLE_PERCENTAGE_DIFFERENCE ("1.5": percent, 0.1 to 10).
bool parse_acceptable_difference(const std::string& text, double* out);

// CHUNKS_WRITE_REP_LIMIT / CHUNKS_READ_REP_LIMIT, as in MooseFS 3.0: one
// number for all four cases, or four ("2,1,1,4"): chunks with one valid
// copy, other under-goal chunks, rebalancing between servers near the mean
// disk use, and other rebalancing.
struct RepLimits {
  uint32_t endangered = 0, undergoal = 0, balance_mean = 0, balance_other = 0;
  uint32_t most() const;
};
// False for anything else; the first two must be 1 to 1000, the others 0 to 1000.
bool parse_rep_limits(const std::string& text, RepLimits* out);

// The chunk loop's settings that are not plain numbers, from cfg into
// *settings; false with a one-line *error naming the key (the settings are
// then unchanged).
struct LoopSettings {
  double acceptable_difference = 1.0;  // ACCEPTABLE_PERCENTAGE_DIFFERENCE, in percent
  RepLimits write{2, 1, 1, 4}, read{10, 5, 2, 5};
};
bool load_loop_settings(const Config& cfg, LoopSettings* settings, std::string* error);

struct ChunkLoopState {
  std::vector<uint64_t> pass;  // chunk ids of the current pass
  size_t cursor = 0;
  int64_t pass_started_ms = 0;
  ChunkCounts counting;  // of the pass in progress
  ChunkCounts last;      // of the last complete pass
  ChunkLoopTotals totals, logged_totals;
  // Under-goal chunks by priority: index = valid copies (1 is served first).
  std::array<std::deque<uint64_t>, 10> rep_queue;
  std::unordered_map<uint64_t, uint8_t> rep_queued;  // chunk -> its queue
  // Over-goal chunks (the copy to drop is chosen when it is deleted).
  std::deque<uint64_t> over_queue;
  std::unordered_set<uint64_t> over_queued;
  // Stale and orphan copies, per server.
  std::unordered_map<uint32_t, std::deque<Deletion>> del_queue;
  std::set<std::pair<uint32_t, uint64_t>> del_queued;  // (server, chunk)
  uint32_t del_limit = 0;  // per server per step; 0 until the first step
  std::unordered_set<uint64_t> missing_reported;  // logged once while missing
  // Servers with disks marked for removal: chunks there still lacking their
  // goal elsewhere, as last logged (0: reported safe to remove).
  std::map<uint32_t, uint64_t> removal_logged;
  // Rebalancing in this step: from the fullest server to the emptiest (0: none).
  uint32_t balance_from = 0, balance_to = 0;
  bool balance_near_mean = false;  // both near the mean use: the third limits apply, else the fourth
  LoopSettings settings;
};

}  // namespace antler::master

// The master's chunk loop (ChunkLoop, over the ChunkRegistry). The loop runs one step a
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
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "common/msg/master_cs.h"
#include "common/status.h"
#include "daemons/master/chunks/registry.h"

namespace antler {
class Config;
}

namespace antler::master {

class Fs;
struct ChunkMeta;

// The commands the master sends chunkservers on port 9420.
using CsCommand =
    std::variant<msg::CsCreate, msg::CsDelete, msg::CsSetVersion, msg::CsTruncate, msg::CsDuplicate, msg::CsReplicate>;

// Chunks to check in one step of a second: the whole registry of `total`
// chunks in min_time seconds, but never more than max_cps (at least 1).
uint64_t chunks_per_step(uint64_t total, int64_t max_cps, int64_t min_time);

// What the last complete pass found.
struct ChunkCounts {
  uint64_t chunks = 0;
  uint64_t under_goal = 0;    // fewer valid copies than the goal (but at least one)
  uint64_t endangered = 0;    // one copy left (counting disks marked for removal), goal above 1
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

// The chunk loop's keys of mfsmaster.cfg, typed once at start and reload.
struct LoopSettings {
  double acceptable_difference = 1.0;  // ACCEPTABLE_PERCENTAGE_DIFFERENCE, in percent
  RepLimits write{2, 1, 1, 4}, read{10, 5, 2, 5};
  int64_t delay_init_ms = 300000;         // REPLICATIONS_DELAY_INIT
  int64_t delay_disconnect_ms = 3600000;  // REPLICATIONS_DELAY_DISCONNECT
  int64_t respect_topology = 0;           // REPLICATIONS_RESPECT_TOPOLOGY
  int64_t loop_min_time_s = 300;          // CHUNKS_LOOP_MIN_TIME
  int64_t loop_max_cps = 100000;          // CHUNKS_LOOP_MAX_CPS
  uint32_t soft_del_limit = 10;           // CHUNKS_SOFT_DEL_LIMIT
  uint32_t hard_del_limit = 25;           // CHUNKS_HARD_DEL_LIMIT
};
// Reads them from cfg; fails with a one-line message naming file, line and key
// ("FILE:LINE: KEY: 'text' is not …") when a value that is not a plain number
// does not parse, or when the table lacks a key.
Result<LoopSettings> load_loop_settings(const Config& cfg);
// CHUNKS_UNIQUE_MODE and CREATIONS_RESPECT_TOPOLOGY; fails only for a key the
// table lacks.
Result<PlacementSettings> load_placement_settings(const Config& cfg);

struct ChunkLoopState {
  std::vector<uint64_t> pass;  // chunk ids of the current pass
  size_t cursor = 0;
  int64_t pass_started_ms = 0;
  ChunkCounts counting;         // of the pass in progress
  ChunkCounts last;             // of the last complete pass
  int64_t last_started_ms = 0;  // when the last complete pass started
  ChunkLoopTotals totals, logged_totals;
  // Under-goal chunks by priority: index = valid copies (1 is served first).
  std::array<std::deque<uint64_t>, msg::kMaxGoal + 1> rep_queue;
  std::unordered_map<uint64_t, uint8_t> rep_queued;  // chunk -> its queue
  // Over-goal chunks (the copy to drop is chosen when it is deleted).
  std::deque<uint64_t> over_queue;
  std::unordered_set<uint64_t> over_queued;
  // Stale and orphan copies, per server.
  std::unordered_map<uint32_t, std::deque<Deletion>> del_queue;
  std::set<std::pair<uint32_t, uint64_t>> del_queued;  // (server, chunk)
  uint32_t del_limit = 0;                              // per server per step; 0 until the first step
  std::unordered_set<uint64_t> missing_reported;       // logged once while missing
  // Servers with disks marked for removal: chunks there still lacking their
  // goal elsewhere, as last logged (0: reported safe to remove).
  std::map<uint32_t, uint64_t> removal_logged;
  // Rebalancing in this step: from the fullest server to the emptiest (0: none).
  uint32_t balance_from = 0, balance_to = 0;
  bool balance_near_mean = false;  // both near the mean use: the third limits apply, else the fourth
};

// What the chunk loop needs from the master: sending commands to
// chunkservers, the loop thread's clock, and running work soon on it. The
// master implements it over its chunkserver links; tests fake it.
class ChunkLoopHost {
 public:
  using Done = std::function<void(St, uint32_t version)>;
  virtual ~ChunkLoopHost() = default;
  // Sends cmd to server cs; done runs once, later, with the reply or with
  // kTimeout/kDisconnected (at once when cs is not connected).
  virtual void send(uint32_t cs, const CsCommand& cmd, Done done) = 0;
  virtual int64_t now_ms() const = 0;
  virtual void post(std::function<void()> fn) = 0;
  // True while the metadata store has failed (memory may hold a change the
  // disk lacks): nothing is deleted, rebalanced or raised to another version.
  virtual bool metadata_frozen() const { return false; }
};

class ChunkLoop {
 public:
  ChunkLoop(ChunkRegistry& registry, const Fs& fs, ChunkLoopHost& host) : reg_(registry), fs_(fs), host_(host) {}
  ChunkLoop(const ChunkLoop&) = delete;
  ChunkLoop& operator=(const ChunkLoop&) = delete;

  void set_settings(const LoopSettings& s) { set_ = s; }
  const LoopSettings& settings() const { return set_; }
  // The master started serving at ms (REPLICATIONS_DELAY_INIT counts from it).
  void set_started(int64_t ms) { started_ms_ = ms; }

  // One step (once a second): the next slice of the walk, then replications
  // and deletions within their limits.
  void step();
  // Checks one chunk now and queues the work it needs (counts: the pass's).
  void check_chunk(uint64_t id, ChunkCounts* counts);
  // Checks chunks now that something changed for them (a server removed, a
  // write ended); they are counted again by the walk.
  void recheck(const std::vector<uint64_t>& ids, ChunkCounts* scratch = nullptr);
  // A copy of chunk id at version on server cs that must go (stale or orphan).
  void queue_deletion(uint32_t cs, uint64_t id, uint32_t version, DelWhy why);
  // Server cs disconnected: its queued deletions go.
  void server_gone(uint32_t cs);

  const ChunkCounts& last() const { return st_.last; }
  // Whether the disks of srv marked for removal are safe to pull
  // (msg::RemovalStatus): pending until a pass that started after srv
  // registered (from then its marked copies are known) has completed.
  uint8_t removal_status(const ChunkServer& srv) const;
  const ChunkLoopTotals& totals() const { return st_.totals; }
  // Deletions waiting, per server.
  const std::unordered_map<uint32_t, std::deque<Deletion>>& deletions() const { return st_.del_queue; }

 private:
  enum class Try { kStarted, kNotNeeded, kWait };
  void queue_replication(uint64_t id, uint32_t valid);
  void start_replication(uint64_t id, const ChunkMeta& meta, uint32_t source, uint32_t target, uint32_t valid);
  Try try_replicate(uint64_t id, int64_t now);
  void run_replications(int64_t now);
  void delete_copy(uint32_t cs, uint64_t id, uint32_t version, const char* why);
  bool run_server_deletions(uint32_t limit);
  bool run_over_goal(uint32_t limit, int64_t now);
  bool bring_up(uint64_t id, const ChunkMeta& meta, const std::vector<Copy>& stale);
  void rebalance(uint64_t id, const ChunkMeta& meta);
  void choose_balance();
  void report_removal();
  void log_counts();
  ChunkServer& srv(uint32_t cs) { return *reg_.server(cs); }

  ChunkRegistry& reg_;
  const Fs& fs_;
  ChunkLoopHost& host_;
  LoopSettings set_;
  int64_t started_ms_ = 0;
  ChunkLoopState st_;
};

}  // namespace antler::master

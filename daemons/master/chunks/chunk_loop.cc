// Keeps every chunk at its goal (see chunk_loop.h for the rules): walks the
// registry a slice per step, replicates under-goal chunks chunkserver to
// chunkserver, deletes over-goal, stale and orphan copies.
#include "daemons/master/chunks/chunk_loop.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "common/log.h"
#include "common/net.h"
#include "daemons/master/chunks/registry.h"
#include "daemons/master/chunks/topology.h"
#include "daemons/master/fs/fs.h"

namespace antler::master {

void ChunkLoop::queue_replication(uint64_t id, uint32_t valid) {
  uint8_t prio = static_cast<uint8_t>(std::min<uint32_t>(valid, msg::kMaxGoal));
  auto [it, fresh] = st_.rep_queued.try_emplace(id, prio);
  if (!fresh) {
    if (it->second <= prio) return;
    it->second = prio;  // fewer copies than when it was queued: move it up
  }
  st_.rep_queue[prio].push_back(id);
}

constexpr size_t kQueueBudget = 2000;

// Starts replicating chunk id (valid copies now: `valid`) from source to target.
void ChunkLoop::start_replication(uint64_t id, const ChunkMeta& meta, uint32_t source, uint32_t target,
                                  uint32_t valid) {
  uint32_t version = meta.version;
  reg_.set_busy(id, true);
  srv(target).rep_write++;
  srv(target).chunk_count++;  // until its next heartbeat says
  srv(source).rep_read++;
  log::debug("replicating chunk {:016X} v{} ({} of {} copies) from {} to {}", id, version, valid, int(meta.goal),
             net::to_string(srv(source).loc), net::to_string(srv(target).loc));
  host_.send(target, msg::CsReplicate{0, id, version, srv(source).loc, {}},
             [this, id, version, target, source](St st, uint32_t) {
               reg_.set_busy(id, false);
               if (ChunkServer* t = reg_.server(target); t && t->rep_write) t->rep_write--;
               if (ChunkServer* s = reg_.server(source); s && s->rep_read) s->rep_read--;
               // Room for the next one now, not at the next step.
               host_.post([this] { run_replications(host_.now_ms()); });
               const ChunkMeta* cur = fs_.chunk(id);
               bool up = reg_.server_up(target);
               if (st != St::kOk) {
                 st_.totals.replications_failed++;
                 log::warn("replication of chunk {:016X} to {} failed: {}", id, net::to_string(srv(target).loc),
                           to_string(st));
               } else if (cur && cur->version == version && up) {
                 st_.totals.replications_done++;
                 reg_.set_copy(id, target, version);
               } else if (up) {
                 // Written or released meanwhile: the new copy is already stale.
                 st_.totals.replications_failed++;
                 host_.send(target, msg::CsDelete{0, id, version}, [](St, uint32_t) {});
               }
               // Overtaken by a write: queued again now (a chunk still
               // leased comes back at its write's end). A failure waits
               // for the walk, so a failing server is not retried in a loop.
               if (cur && st == St::kOk && cur->version != version) {
                 ChunkCounts scratch;
                 check_chunk(id, &scratch);
               }
             });
}

// Starts one replication of chunk id if it is still under its goal and the
// limits allow. kWait: needed but every possible source or destination is at
// its limit.
ChunkLoop::Try ChunkLoop::try_replicate(uint64_t id, int64_t now) {
  const ChunkMeta* meta = fs_.chunk(id);
  if (!meta || reg_.busy(id) || reg_.leased(id)) return Try::kNotNeeded;
  CopyState s = reg_.classify(id, meta->version, now, set_.delay_disconnect_ms);
  if ((s.valid.empty() && s.marked.empty()) || s.valid.size() + s.waiting >= meta->goal) return Try::kNotNeeded;
  std::vector<uint32_t> exclude;  // a server holding any copy, even a stale one, is no destination
  if (const std::vector<Copy>* list = reg_.copies(id))
    for (const Copy& c : *list) exclude.push_back(c.cs);
  auto targets = reg_.choose_servers(reg_.servers().size(), exclude);
  if (targets.empty()) return Try::kNotNeeded;  // nowhere to put it (the next pass looks again)
  // CHUNKS_UNIQUE_MODE: when a destination at a new address (1) or topology
  // location (2) exists, only such destinations count, even if they are
  // busy: waiting for one beats a second copy in the same place.
  if (reg_.settings().unique_mode != 0) {
    std::set<std::string> used;
    for (uint32_t cs : exclude)
      if (reg_.server_up(cs)) used.insert(reg_.place_key(cs));
    std::vector<uint32_t> distinct;
    for (uint32_t t : targets)
      if (!used.count(reg_.place_key(t))) distinct.push_back(t);
    if (!distinct.empty()) targets = std::move(distinct);
  }
  const LoopSettings& set = set_;
  const bool endangered = s.valid.size() <= 1;
  const uint32_t write_limit = endangered ? set.write.endangered : set.write.undergoal;
  const uint32_t read_limit = endangered ? set.read.endangered : set.read.undergoal;
  uint32_t target = 0, source = 0;
  std::vector<uint32_t> holders;
  reg_.valid_locations(id, meta->version, &holders);  // least loaded first
  // REPLICATIONS_RESPECT_TOPOLOGY: 2 prefers a destination near an existing
  // copy; 1 and 2 take the source nearest to the destination.
  const int64_t respect = set.respect_topology;
  auto dist = [&](uint32_t a, uint32_t b) { return reg_.topology().distance(srv(a).loc.ip, srv(b).loc.ip); };
  if (respect >= 2 && !holders.empty()) {
    auto nearest = [&](uint32_t t) {
      uint32_t best = ~0u;
      for (uint32_t h : holders) best = std::min(best, dist(t, h));
      return best;
    };
    std::stable_sort(targets.begin(), targets.end(), [&](uint32_t a, uint32_t b) { return nearest(a) < nearest(b); });
  }
  for (uint32_t t : targets)
    if (srv(t).rep_write < write_limit) {
      target = t;
      break;
    }
  if (respect >= 1 && target)
    std::stable_sort(holders.begin(), holders.end(),
                     [&](uint32_t a, uint32_t b) { return dist(a, target) < dist(b, target); });
  for (uint32_t h : holders)
    if (srv(h).rep_read < read_limit) {
      source = h;
      break;
    }
  if (!target || !source) return Try::kWait;
  start_replication(id, *meta, source, target, static_cast<uint32_t>(s.valid.size()));
  return Try::kStarted;
}

void ChunkLoop::run_replications(int64_t now) {
  const uint32_t write_limit = set_.write.most();
  auto any_room = [&] {
    for (const auto& [id, s] : reg_.servers())
      if (s.connected() && s.rep_write < write_limit) return true;
    return false;
  };
  // Entries looked at per call: a long queue whose chunks all wait for a
  // busy server is not scanned whole at every finished replication.
  size_t budget = kQueueBudget;
  for (size_t prio = 0; prio < st_.rep_queue.size(); prio++) {
    auto& q = st_.rep_queue[prio];
    for (size_t n = q.size(); n > 0 && !q.empty(); n--) {
      if (budget-- == 0 || !any_room()) return;
      uint64_t id = q.front();
      q.pop_front();
      auto it = st_.rep_queued.find(id);
      if (it == st_.rep_queued.end() || it->second != prio) continue;  // moved to another queue
      if (try_replicate(id, now) == Try::kWait) q.push_back(id);
      else st_.rep_queued.erase(it);
    }
  }
}

// Sends one deletion to server cs and forgets that copy.
void ChunkLoop::delete_copy(uint32_t cs, uint64_t id, uint32_t version, const char* why) {
  srv(cs).deletions++;
  reg_.drop_copy(id, cs, version);
  log::debug("deleting {} copy of chunk {:016X} v{} on {}", why, id, version, net::to_string(srv(cs).loc));
  host_.send(cs, msg::CsDelete{0, id, version}, [this, cs, id, why](St st, uint32_t) {
    if (st == St::kOk || st == St::kNoChunk) {
      st_.totals.deletions_done++;
    } else {
      st_.totals.deletions_failed++;
      log::info("deleting {} copy of chunk {:016X} on server {} failed: {}", why, id, cs, to_string(st));
    }
  });
}

// Stale and orphan copies of each server, up to the limit. Returns whether
// some had to wait.
bool ChunkLoop::run_server_deletions(uint32_t limit) {
  bool held = false;
  for (auto qi = st_.del_queue.begin(); qi != st_.del_queue.end();) {
    uint32_t cs = qi->first;
    auto& q = qi->second;
    ChunkServer* server = reg_.server(cs);
    bool up = server && server->connected();
    while (up && !q.empty() && server->deletions < limit) {
      Deletion d = q.front();
      q.pop_front();
      st_.del_queued.erase({cs, d.chunk});
      const ChunkMeta* meta = fs_.chunk(d.chunk);
      if (d.why == DelWhy::kOrphan) {
        if (meta) {
          // A file uses it after all (created meanwhile): an ordinary copy.
          reg_.set_copy(d.chunk, cs, d.version);
          continue;
        }
        delete_copy(cs, d.chunk, d.version, "orphan");
        continue;
      }
      if (!meta || meta->version == d.version || reg_.leased(d.chunk) || reg_.busy(d.chunk)) continue;
      const std::vector<Copy>* list = reg_.copies(d.chunk);
      if (!list) continue;
      bool recorded = false, other_valid = false;
      for (const Copy& c : *list) {
        if (c.cs == cs && c.version == d.version) recorded = true;
        if (c.version == meta->version && reg_.server_up(c.cs)) other_valid = true;
      }
      // A stale copy may be all that is left of the data: it stays while
      // no valid copy exists (mfsfilerepair decides).
      if (recorded && other_valid) delete_copy(cs, d.chunk, d.version, "stale");
    }
    if (!up) {
      for (const Deletion& d : q) st_.del_queued.erase({cs, d.chunk});
      qi = st_.del_queue.erase(qi);
      continue;
    }
    if (!q.empty()) held = true;
    ++qi;
  }
  return held;
}

// Over-goal chunks: drops valid copies from the fullest servers with room
// left in their deletion limit. Returns whether some had to wait.
bool ChunkLoop::run_over_goal(uint32_t limit, int64_t now) {
  bool held = false;
  auto& q = st_.over_queue;
  auto any_room = [&] {
    for (const auto& [sid, s] : reg_.servers())
      if (s.connected() && s.deletions < limit) return true;
    return false;
  };
  size_t budget = kQueueBudget;
  for (size_t n = q.size(); n > 0 && !q.empty(); n--) {
    if (budget-- == 0 || !any_room()) return true;
    uint64_t id = q.front();
    q.pop_front();
    const ChunkMeta* meta = fs_.chunk(id);
    if (!meta || reg_.busy(id) || reg_.leased(id)) {
      st_.over_queued.erase(id);
      continue;
    }
    CopyState s = reg_.classify(id, meta->version, now, set_.delay_disconnect_ms);
    // Copies sharing a place (CHUNKS_UNIQUE_MODE) go first, then those on
    // the fullest servers.
    std::map<uint32_t, int> shared;
    if (reg_.settings().unique_mode != 0) {
      std::map<std::string, int> per_place;
      for (uint32_t cs : s.valid) per_place[reg_.place_key(cs)]++;
      for (uint32_t cs : s.valid) shared[cs] = per_place[reg_.place_key(cs)] > 1;
    }
    std::sort(s.valid.begin(), s.valid.end(), [&](uint32_t a, uint32_t b) {
      if (shared[a] != shared[b]) return shared[a] > shared[b];
      return srv(a).fullness() > srv(b).fullness();
    });
    size_t keep = s.valid.size();
    for (uint32_t cs : s.valid) {
      if (keep <= meta->goal) break;
      if (srv(cs).deletions >= limit) continue;
      delete_copy(cs, id, meta->version, "over-goal");
      keep--;
    }
    if (keep > meta->goal) {
      held = true;
      q.push_back(id);
    } else {
      st_.over_queued.erase(id);
    }
  }
  return held;
}

// The first pass after start-up: a chunk whose copies all have the version
// before the master's. The master logged a version change and stopped before
// its servers made it, so their data is the chunk's: their version is raised.
// (Later, such copies are stale: a write they missed made the new version.)
bool ChunkLoop::bring_up(uint64_t id, const ChunkMeta& meta, const std::vector<Copy>& stale) {
  bool any = false;
  for (const Copy& c : stale) {
    if (c.version + 1 != meta.version) continue;
    any = true;
    uint32_t cs = c.cs, v = meta.version;
    host_.send(cs, msg::CsSetVersion{0, id, c.version, v}, [this, id, cs, v](St st, uint32_t) {
      const ChunkMeta* cur = fs_.chunk(id);
      if (st != St::kOk || !cur || cur->version != v) return;
      reg_.set_copy(id, cs, v);
    });
  }
  if (any)
    log::info("chunk {:016X}: no copy has version {}; raising the copies of version {}", id, meta.version,
              meta.version - 1);
  return any;
}

// Rebalancing: a chunk at its goal with a copy on the fullest server and
// none on the emptiest gets one there; the over-goal deletion then drops
// the copy on the fullest.
void ChunkLoop::rebalance(uint64_t id, const ChunkMeta& meta) {
  uint32_t from = st_.balance_from, to = st_.balance_to;
  bool on_from = false;
  const std::vector<Copy>* list = reg_.copies(id);
  if (!list) return;
  for (const Copy& c : *list) {
    if (c.cs == to) return;
    if (c.cs == from && c.version == meta.version) on_from = true;
  }
  if (!on_from) return;
  // CHUNKS_UNIQUE_MODE: the new place must not share an address (1) or a
  // topology location (2) with a copy that stays.
  if (reg_.settings().unique_mode != 0) {
    for (const Copy& c : *list)
      if (c.cs != from && reg_.place_key(c.cs) == reg_.place_key(to)) return;
  }
  const LoopSettings& set = set_;
  const bool near_mean = st_.balance_near_mean;
  if (srv(to).rep_write >= (near_mean ? set.write.balance_mean : set.write.balance_other) ||
      srv(from).rep_read >= (near_mean ? set.read.balance_mean : set.read.balance_other))
    return;
  st_.totals.rebalanced++;
  start_replication(id, meta, from, to, meta.goal);
}

// Chooses this step's rebalancing pair: the fullest and the emptiest
// connected servers, when their used fractions differ by more than
// ACCEPTABLE_PERCENTAGE_DIFFERENCE and no chunk waits for replication.
void ChunkLoop::choose_balance() {
  st_.balance_from = st_.balance_to = 0;
  for (const auto& q : st_.rep_queue)
    if (!q.empty()) return;
  const ChunkServer *lo = nullptr, *hi = nullptr;
  for (const auto& [id, s] : reg_.servers()) {
    if (!s.connected() || s.total == 0 || s.maintenance != msg::kMaintenanceOff) continue;
    if (!lo || s.fullness() < lo->fullness()) lo = &s;
    if (!hi || s.fullness() > hi->fullness()) hi = &s;
  }
  const double pct = set_.acceptable_difference;
  if (!lo || lo == hi || (hi->fullness() - lo->fullness()) * 100.0 <= pct) return;
  st_.balance_from = hi->id;
  st_.balance_to = lo->id;
  // Both within the acceptable difference of the mean use: the third limit
  // of CHUNKS_*_REP_LIMIT applies, otherwise the fourth.
  double sum = 0;
  int n = 0;
  for (const auto& [id, s] : reg_.servers())
    if (s.connected() && s.total) sum += s.fullness(), n++;
  double mean = sum / n;
  st_.balance_near_mean =
      std::abs(hi->fullness() - mean) * 100.0 <= pct && std::abs(lo->fullness() - mean) * 100.0 <= pct;
}

// After each pass: for each server with disks marked for removal, whether
// they still hold chunks that lack their goal elsewhere (logged when that
// changes; 0 means the disks can be pulled without losing a copy).
void ChunkLoop::report_removal() {
  for (auto it = st_.removal_logged.begin(); it != st_.removal_logged.end();) {
    if (!st_.last.removal.count(it->first)) it = st_.removal_logged.erase(it);
    else ++it;
  }
  for (const auto& [cs, r] : st_.last.removal) {
    auto logged = st_.removal_logged.find(cs);
    if (logged != st_.removal_logged.end() && logged->second == r.second) continue;
    st_.removal_logged[cs] = r.second;
    std::string name = reg_.name(cs);
    if (r.second == 0)
      log::info(
          "chunkserver {}: disks marked for removal are safe to remove ({} chunks there, each at its goal "
          "on other disks)",
          name, r.first);
    else
      log::info("chunkserver {}: disks marked for removal hold {} of {} chunks still lacking their goal elsewhere",
                name, r.second, r.first);
  }
}

void ChunkLoop::log_counts() {
  const ChunkCounts& c = st_.last;
  const ChunkLoopTotals& t = st_.totals;
  log::info(
      "chunk loop: {} chunks, {} under goal, {} over goal, {} missing, {} stale copies; since start: {} replications "
      "done, {} failed, {} deletions done, {} failed, {} copies moved to rebalance",
      c.chunks, c.under_goal, c.over_goal, c.missing, c.stale_copies, t.replications_done, t.replications_failed,
      t.deletions_done, t.deletions_failed, t.rebalanced);
}

uint8_t ChunkLoop::removal_status(const ChunkServer& srv) const {
  if (st_.totals.passes == 0 || st_.last_started_ms <= srv.registered_ms) return msg::kRemovalPending;
  auto it = st_.last.removal.find(srv.id);
  return it == st_.last.removal.end() || it->second.second == 0 ? msg::kRemovalReady : msg::kRemovalNotReady;
}

void ChunkLoop::queue_deletion(uint32_t cs, uint64_t id, uint32_t version, DelWhy why) {
  if (!st_.del_queued.insert({cs, id}).second) return;
  st_.del_queue[cs].push_back({id, version, why});
}

void ChunkLoop::check_chunk(uint64_t id, ChunkCounts* counts) {
  const ChunkMeta* meta = fs_.chunk(id);
  if (!meta) return;
  counts->chunks++;
  if (reg_.leased(id)) return;  // being written: versions move
  int64_t now = host_.now_ms();
  CopyState s = reg_.classify(id, meta->version, now, set_.delay_disconnect_ms);
  for (uint32_t cs : s.marked) {
    auto& r = counts->removal[cs];
    r.first++;
    if (s.valid.size() < meta->goal) r.second++;
  }
  if (s.valid.empty() && s.marked.empty() && st_.totals.passes == 0 && !host_.metadata_frozen() &&
      bring_up(id, *meta, s.stale))
    return;
  if (s.valid.empty() && s.marked.empty()) {
    counts->missing++;
    if (st_.missing_reported.insert(id).second)
      log::warn("chunk {:016X} v{} (goal {}) has no valid copy{}{}", id, meta->version, int(meta->goal),
                s.stale.empty() ? "" : fmt::format("; {} copies of another version", s.stale.size()),
                s.waiting ? fmt::format("; {} on disconnected servers", s.waiting) : "");
    return;
  }
  if (st_.missing_reported.erase(id)) log::info("chunk {:016X} has a valid copy again", id);
  counts->stale_copies += s.stale.size();
  if (s.valid.size() + s.marked.size() == 1 && meta->goal > 1) counts->endangered++;
  for (const Copy& c : s.stale) queue_deletion(c.cs, id, c.version, DelWhy::kStale);
  if (s.valid.size() < meta->goal) {
    counts->under_goal++;
    if (!reg_.busy(id) && s.valid.size() + s.waiting < meta->goal)
      queue_replication(id, static_cast<uint32_t>(s.valid.size()));
  } else if (s.valid.size() > meta->goal) {
    counts->over_goal++;
    if (st_.over_queued.insert(id).second) st_.over_queue.push_back(id);
  } else if (st_.balance_to && !reg_.busy(id)) {
    rebalance(id, *meta);
  }
}

void ChunkLoop::step() {
  int64_t now = host_.now_ms();
  if (now - started_ms_ < set_.delay_init_ms) return;
  const int64_t min_time = set_.loop_min_time_s;
  // The walk: a slice of the current pass; a new pass no sooner than
  // CHUNKS_LOOP_MIN_TIME after the last one started.
  if (st_.cursor >= st_.pass.size() && now - st_.pass_started_ms >= min_time * 1000) {
    if (st_.pass_started_ms != 0) {
      bool changed = !(st_.counting == st_.last) ||
                     st_.totals.replications_done != st_.logged_totals.replications_done ||
                     st_.totals.replications_failed != st_.logged_totals.replications_failed ||
                     st_.totals.deletions_done != st_.logged_totals.deletions_done ||
                     st_.totals.deletions_failed != st_.logged_totals.deletions_failed ||
                     st_.totals.rebalanced != st_.logged_totals.rebalanced;
      st_.last = st_.counting;
      st_.last_started_ms = st_.pass_started_ms;
      st_.totals.passes++;
      report_removal();
      if (changed) {
        log_counts();
        st_.logged_totals = st_.totals;
      }
    }
    st_.counting = {};
    st_.pass.clear();
    st_.pass.reserve(fs_.chunks().size());
    for (const auto& [id, meta] : fs_.chunks()) st_.pass.push_back(id);
    st_.cursor = 0;
    st_.pass_started_ms = now;
    for (auto it = st_.missing_reported.begin(); it != st_.missing_reported.end();) {
      if (!fs_.chunk(*it)) it = st_.missing_reported.erase(it);
      else ++it;
    }
  }
  // A server gone for longer than REPLICATIONS_DELAY_DISCONNECT: every chunk
  // it held is checked now (and queued by the copies it has left) rather than
  // when the walk reaches it, up to CHUNKS_LOOP_MIN_TIME later.
  const int64_t delay_ms = set_.delay_disconnect_ms;
  reg_.for_each_server([&](ChunkServer& srv) {
    if (srv.connected() || srv.swept || srv.held_while_away(now, delay_ms)) return;
    srv.swept = true;
    std::vector<uint64_t> held = reg_.forget_copies(srv.id);  // no longer waited for
    ChunkCounts scratch;                                      // the walk counts them again in its pass
    for (uint64_t id : held) check_chunk(id, &scratch);
    log::info("chunkserver {} away for {} s: its {} chunks checked, {} under their goal queued for replication",
              net::to_string(srv.loc), (now - srv.disconnected_ms) / 1000, held.size(), scratch.under_goal);
  });
  // While the metadata store has failed, memory may hold one change the
  // disk lacks (Store::failed): a version bump would make every copy look
  // stale, a lowered goal some copies superfluous. So nothing is deleted,
  // rebalanced or raised to another version; under-goal chunks are still
  // replicated (a copy more never hurts).
  const bool frozen = host_.metadata_frozen();
  if (frozen) st_.balance_from = st_.balance_to = 0;
  else choose_balance();
  uint64_t n = chunks_per_step(st_.pass.size(), set_.loop_max_cps, min_time);
  for (; n > 0 && st_.cursor < st_.pass.size(); n--) check_chunk(st_.pass[st_.cursor++], &st_.counting);

  run_replications(now);
  if (frozen) return;

  // Deletions: the limit starts at the soft one, grows by half while
  // deletions wait (up to the hard one) and shrinks back when they do not.
  const uint32_t soft = set_.soft_del_limit;
  const uint32_t hard = std::max(soft, set_.hard_del_limit);
  st_.del_limit = std::clamp(st_.del_limit, soft, hard);
  reg_.for_each_server([](ChunkServer& s) { s.deletions = 0; });
  bool held = run_over_goal(st_.del_limit, now);
  held = run_server_deletions(st_.del_limit) || held;
  if (held) st_.del_limit = std::min(hard, st_.del_limit + std::max(1u, st_.del_limit / 2));
  else st_.del_limit = std::max(soft, st_.del_limit - st_.del_limit / 3);
}

void ChunkLoop::recheck(const std::vector<uint64_t>& ids, ChunkCounts* scratch) {
  ChunkCounts unused;
  for (uint64_t id : ids) check_chunk(id, scratch ? scratch : &unused);
}

void ChunkLoop::server_gone(uint32_t cs) {
  auto q = st_.del_queue.find(cs);
  if (q == st_.del_queue.end()) return;
  for (const Deletion& d : q->second) st_.del_queued.erase({cs, d.chunk});
  st_.del_queue.erase(q);
}

}  // namespace antler::master

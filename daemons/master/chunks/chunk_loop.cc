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
#include "daemons/master/master.h"

namespace antler::master {

namespace {

// Where the copies of one chunk stand now.
struct CopyState {
  std::vector<uint32_t> valid;  // connected servers with the master's version (not on removal disks)
  std::vector<uint32_t> marked; // the same, on disks marked for removal (not counted toward the goal)
  std::vector<Copy> stale;      // connected servers with another version
  uint32_t waiting = 0;         // on servers disconnected less than REPLICATIONS_DELAY_DISCONNECT ago, or
                                // away in maintenance mode
};

// Classifies the copies of chunk id, forgetting copies on servers gone for
// longer than the disconnect delay.
CopyState copy_state(Master& m, uint64_t id, const ChunkMeta& meta, int64_t now) {
  CopyState s;
  auto it = m.copies.find(id);
  if (it == m.copies.end()) return s;
  int64_t delay_ms = m.cfg.num("REPLICATIONS_DELAY_DISCONNECT") * 1000;
  auto& list = it->second;
  for (size_t i = 0; i < list.size();) {
    auto srv = m.servers.find(list[i].cs);
    if (srv == m.servers.end() || (!srv->second.connected() && !srv->second.held_while_away(now, delay_ms))) {
      list[i] = list.back();
      list.pop_back();
      continue;
    }
    // A copy away counts only at the master's version: one that missed a
    // write while its server was away is of no use for this chunk.
    if (!srv->second.connected()) s.waiting += list[i].version == meta.version;
    else if (list[i].version == meta.version) (list[i].removal ? s.marked : s.valid).push_back(list[i].cs);
    else s.stale.push_back(list[i]);
    i++;
  }
  if (list.empty()) m.copies.erase(it);
  return s;
}

// Where a server is for CHUNKS_UNIQUE_MODE: its address (1) or its
// topology location (2).
std::string place_key(Master& m, uint32_t cs, int64_t unique) {
  const ChunkServer& s = m.servers[cs];
  return unique == 1 ? std::to_string(s.loc.ip) : m.topology.location(s.loc.ip);
}

double fullness(const ChunkServer& s) { return s.total ? double(s.used) / double(s.total) : 1.0; }

void queue_replication(Master& m, uint64_t id, uint32_t valid) {
  uint8_t prio = static_cast<uint8_t>(std::min<uint32_t>(valid, 9));
  auto [it, fresh] = m.cl.rep_queued.try_emplace(id, prio);
  if (!fresh) {
    if (it->second <= prio) return;
    it->second = prio;  // fewer copies than when it was queued: move it up
  }
  m.cl.rep_queue[prio].push_back(id);
}

constexpr size_t kQueueBudget = 2000;

enum class Try { kStarted, kNotNeeded, kWait };
void run_replications(Master& m, int64_t now);

// Starts replicating chunk id (valid copies now: `valid`) from source to target.
void start_replication(Master& m, uint64_t id, const ChunkMeta& meta, uint32_t source, uint32_t target,
                       uint32_t valid) {
  uint32_t version = meta.version;
  m.busy.insert(id);
  m.servers[target].rep_write++;
  m.servers[target].chunk_count++;  // until its next heartbeat says
  m.servers[source].rep_read++;
  log::debug("replicating chunk {:016X} v{} ({} of {} copies) from {} to {}", id, version, valid, int(meta.goal),
             net::to_string(m.servers[source].loc), net::to_string(m.servers[target].loc));
  m.cs_command(target, msg::CsReplicate{0, id, version, m.servers[source].loc},
               [&m, id, version, target, source](St st, uint32_t) {
                 m.busy.erase(id);
                 if (auto t = m.servers.find(target); t != m.servers.end() && t->second.rep_write) t->second.rep_write--;
                 if (auto s = m.servers.find(source); s != m.servers.end() && s->second.rep_read) s->second.rep_read--;
                 // Room for the next one now, not at the next step.
                 m.loop.post([&m] { run_replications(m, m.loop.now_ms()); });
                 const ChunkMeta* cur = m.fs.chunk(id);
                 bool up = m.servers[target].connected();
                 if (st != St::kOk) {
                   m.cl.totals.replications_failed++;
                   log::warn("replication of chunk {:016X} to {} failed: {}", id, net::to_string(m.servers[target].loc),
                             to_string(st));
                 } else if (cur && cur->version == version && up) {
                   m.cl.totals.replications_done++;
                   m.drop_copy(id, target);
                   m.copies[id].push_back({target, version});
                 } else if (up) {
                   // Written or released meanwhile: the new copy is already stale.
                   m.cl.totals.replications_failed++;
                   m.cs_command(target, msg::CsDelete{0, id, version}, [](St, uint32_t) {});
                 }
                 // Overtaken by a write: queued again now (a chunk still
                 // leased comes back at its write's end). A failure waits
                 // for the walk, so a failing server is not retried in a loop.
                 if (cur && st == St::kOk && cur->version != version) {
                   ChunkCounts scratch;
                   m.check_chunk(id, &scratch);
                 }
               });
}

// Starts one replication of chunk id if it is still under its goal and the
// limits allow. kWait: needed but every possible source or destination is at
// its limit.
Try try_replicate(Master& m, uint64_t id, int64_t now) {
  const ChunkMeta* meta = m.fs.chunk(id);
  if (!meta || m.busy.count(id) || m.leases.count(id)) return Try::kNotNeeded;
  CopyState s = copy_state(m, id, *meta, now);
  if ((s.valid.empty() && s.marked.empty()) || s.valid.size() + s.waiting >= meta->goal) return Try::kNotNeeded;
  std::vector<uint32_t> exclude;  // a server holding any copy, even a stale one, is no destination
  if (auto it = m.copies.find(id); it != m.copies.end())
    for (const Copy& c : it->second) exclude.push_back(c.cs);
  auto targets = m.choose_servers(m.servers.size(), exclude);
  if (targets.empty()) return Try::kNotNeeded;  // nowhere to put it (the next pass looks again)
  // CHUNKS_UNIQUE_MODE: when a destination at a new address (1) or topology
  // location (2) exists, only such destinations count, even if they are
  // busy: waiting for one beats a second copy in the same place.
  if (int64_t unique = m.cfg.num("CHUNKS_UNIQUE_MODE"); unique != 0) {
    std::set<std::string> used;
    for (uint32_t cs : exclude)
      if (m.servers[cs].connected()) used.insert(place_key(m, cs, unique));
    std::vector<uint32_t> distinct;
    for (uint32_t t : targets)
      if (!used.count(place_key(m, t, unique))) distinct.push_back(t);
    if (!distinct.empty()) targets = std::move(distinct);
  }
  const LoopSettings& set = m.cl.settings;
  const bool endangered = s.valid.size() <= 1;
  const uint32_t write_limit = endangered ? set.write.endangered : set.write.undergoal;
  const uint32_t read_limit = endangered ? set.read.endangered : set.read.undergoal;
  uint32_t target = 0, source = 0;
  std::vector<uint32_t> holders;
  m.valid_locations(id, &holders);  // least loaded first
  // REPLICATIONS_RESPECT_TOPOLOGY: 2 prefers a destination near an existing
  // copy; 1 and 2 take the source nearest to the destination.
  const int64_t respect = m.cfg.num("REPLICATIONS_RESPECT_TOPOLOGY");
  auto dist = [&](uint32_t a, uint32_t b) { return m.topology.distance(m.servers[a].loc.ip, m.servers[b].loc.ip); };
  if (respect >= 2 && !holders.empty()) {
    auto nearest = [&](uint32_t t) {
      uint32_t best = ~0u;
      for (uint32_t h : holders) best = std::min(best, dist(t, h));
      return best;
    };
    std::stable_sort(targets.begin(), targets.end(), [&](uint32_t a, uint32_t b) { return nearest(a) < nearest(b); });
  }
  for (uint32_t t : targets)
    if (m.servers[t].rep_write < write_limit) {
      target = t;
      break;
    }
  if (respect >= 1 && target)
    std::stable_sort(holders.begin(), holders.end(),
                     [&](uint32_t a, uint32_t b) { return dist(a, target) < dist(b, target); });
  for (uint32_t h : holders)
    if (m.servers[h].rep_read < read_limit) {
      source = h;
      break;
    }
  if (!target || !source) return Try::kWait;
  start_replication(m, id, *meta, source, target, static_cast<uint32_t>(s.valid.size()));
  return Try::kStarted;
}

void run_replications(Master& m, int64_t now) {
  const uint32_t write_limit = m.cl.settings.write.most();
  auto any_room = [&] {
    for (const auto& [id, s] : m.servers)
      if (s.connected() && s.rep_write < write_limit) return true;
    return false;
  };
  // Entries looked at per call: a long queue whose chunks all wait for a
  // busy server is not scanned whole at every finished replication.
  size_t budget = kQueueBudget;
  for (uint8_t prio = 0; prio < m.cl.rep_queue.size(); prio++) {
    auto& q = m.cl.rep_queue[prio];
    for (size_t n = q.size(); n > 0 && !q.empty(); n--) {
      if (budget-- == 0 || !any_room()) return;
      uint64_t id = q.front();
      q.pop_front();
      auto it = m.cl.rep_queued.find(id);
      if (it == m.cl.rep_queued.end() || it->second != prio) continue;  // moved to another queue
      if (try_replicate(m, id, now) == Try::kWait) q.push_back(id);
      else m.cl.rep_queued.erase(it);
    }
  }
}

// Sends one deletion to server cs and forgets that copy.
void delete_copy(Master& m, uint32_t cs, uint64_t id, uint32_t version, const char* why) {
  m.servers[cs].deletions++;
  auto it = m.copies.find(id);
  if (it != m.copies.end()) {
    auto& l = it->second;
    l.erase(std::remove_if(l.begin(), l.end(), [&](const Copy& c) { return c.cs == cs && c.version == version; }),
            l.end());
    if (l.empty()) m.copies.erase(it);
  }
  log::debug("deleting {} copy of chunk {:016X} v{} on {}", why, id, version, net::to_string(m.servers[cs].loc));
  m.cs_command(cs, msg::CsDelete{0, id, version}, [&m, cs, id, why](St st, uint32_t) {
    if (st == St::kOk || st == St::kNoChunk) {
      m.cl.totals.deletions_done++;
    } else {
      m.cl.totals.deletions_failed++;
      log::info("deleting {} copy of chunk {:016X} on server {} failed: {}", why, id, cs, to_string(st));
    }
  });
}

// Stale and orphan copies of each server, up to the limit. Returns whether
// some had to wait.
bool run_server_deletions(Master& m, uint32_t limit) {
  bool held = false;
  for (auto qi = m.cl.del_queue.begin(); qi != m.cl.del_queue.end();) {
    uint32_t cs = qi->first;
    auto& q = qi->second;
    auto srv = m.servers.find(cs);
    bool up = srv != m.servers.end() && srv->second.connected();
    while (up && !q.empty() && srv->second.deletions < limit) {
      Deletion d = q.front();
      q.pop_front();
      m.cl.del_queued.erase({cs, d.chunk});
      const ChunkMeta* meta = m.fs.chunk(d.chunk);
      if (d.why == DelWhy::kOrphan) {
        if (meta) {
          // A file uses it after all (created meanwhile): an ordinary copy.
          m.drop_copy(d.chunk, cs);
          m.copies[d.chunk].push_back({cs, d.version});
          continue;
        }
        delete_copy(m, cs, d.chunk, d.version, "orphan");
        continue;
      }
      if (!meta || meta->version == d.version || m.leases.count(d.chunk) || m.busy.count(d.chunk)) continue;
      auto it = m.copies.find(d.chunk);
      if (it == m.copies.end()) continue;
      bool recorded = false, other_valid = false;
      for (const Copy& c : it->second) {
        if (c.cs == cs && c.version == d.version) recorded = true;
        auto o = m.servers.find(c.cs);
        if (c.version == meta->version && o != m.servers.end() && o->second.connected()) other_valid = true;
      }
      // A stale copy may be all that is left of the data: it stays while
      // no valid copy exists (mfsfilerepair decides).
      if (recorded && other_valid) delete_copy(m, cs, d.chunk, d.version, "stale");
    }
    if (!up) {
      for (const Deletion& d : q) m.cl.del_queued.erase({cs, d.chunk});
      qi = m.cl.del_queue.erase(qi);
      continue;
    }
    if (!q.empty()) held = true;
    ++qi;
  }
  return held;
}

// Over-goal chunks: drops valid copies from the fullest servers with room
// left in their deletion limit. Returns whether some had to wait.
bool run_over_goal(Master& m, uint32_t limit, int64_t now) {
  bool held = false;
  auto& q = m.cl.over_queue;
  auto any_room = [&] {
    for (const auto& [sid, s] : m.servers)
      if (s.connected() && s.deletions < limit) return true;
    return false;
  };
  size_t budget = kQueueBudget;
  for (size_t n = q.size(); n > 0 && !q.empty(); n--) {
    if (budget-- == 0 || !any_room()) return true;
    uint64_t id = q.front();
    q.pop_front();
    const ChunkMeta* meta = m.fs.chunk(id);
    if (!meta || m.busy.count(id) || m.leases.count(id)) {
      m.cl.over_queued.erase(id);
      continue;
    }
    CopyState s = copy_state(m, id, *meta, now);
    // Copies sharing a place (CHUNKS_UNIQUE_MODE) go first, then those on
    // the fullest servers.
    std::map<uint32_t, int> shared;
    if (int64_t unique = m.cfg.num("CHUNKS_UNIQUE_MODE"); unique != 0) {
      std::map<std::string, int> per_place;
      for (uint32_t cs : s.valid) per_place[place_key(m, cs, unique)]++;
      for (uint32_t cs : s.valid) shared[cs] = per_place[place_key(m, cs, unique)] > 1;
    }
    std::sort(s.valid.begin(), s.valid.end(), [&](uint32_t a, uint32_t b) {
      if (shared[a] != shared[b]) return shared[a] > shared[b];
      return fullness(m.servers[a]) > fullness(m.servers[b]);
    });
    size_t keep = s.valid.size();
    for (uint32_t cs : s.valid) {
      if (keep <= meta->goal) break;
      if (m.servers[cs].deletions >= limit) continue;
      delete_copy(m, cs, id, meta->version, "over-goal");
      keep--;
    }
    if (keep > meta->goal) {
      held = true;
      q.push_back(id);
    } else {
      m.cl.over_queued.erase(id);
    }
  }
  return held;
}

// The first pass after start-up: a chunk whose copies all have the version
// before the master's. The master logged a version change and stopped before
// its servers made it, so their data is the chunk's: their version is raised.
// (Later, such copies are stale: a write they missed made the new version.)
bool bring_up(Master& m, uint64_t id, const ChunkMeta& meta, const std::vector<Copy>& stale) {
  bool any = false;
  for (const Copy& c : stale) {
    if (c.version + 1 != meta.version) continue;
    any = true;
    uint32_t cs = c.cs, v = meta.version;
    m.cs_command(cs, msg::CsSetVersion{0, id, c.version, v}, [&m, id, cs, v](St st, uint32_t) {
      const ChunkMeta* cur = m.fs.chunk(id);
      if (st != St::kOk || !cur || cur->version != v) return;
      for (Copy& r : m.copies[id])
        if (r.cs == cs) r.version = v;
    });
  }
  if (any) log::info("chunk {:016X}: no copy has version {}; raising the copies of version {}", id, meta.version,
                     meta.version - 1);
  return any;
}

// Rebalancing: a chunk at its goal with a copy on the fullest server and
// none on the emptiest gets one there; the over-goal deletion then drops
// the copy on the fullest.
void rebalance(Master& m, uint64_t id, const ChunkMeta& meta) {
  uint32_t from = m.cl.balance_from, to = m.cl.balance_to;
  bool on_from = false;
  for (const Copy& c : m.copies[id]) {
    if (c.cs == to) return;
    if (c.cs == from && c.version == meta.version) on_from = true;
  }
  if (!on_from) return;
  // CHUNKS_UNIQUE_MODE: the new place must not share an address (1) or a
  // topology location (2) with a copy that stays.
  if (int64_t unique = m.cfg.num("CHUNKS_UNIQUE_MODE"); unique != 0) {
    for (const Copy& c : m.copies[id])
      if (c.cs != from && place_key(m, c.cs, unique) == place_key(m, to, unique)) return;
  }
  const LoopSettings& set = m.cl.settings;
  const bool near_mean = m.cl.balance_near_mean;
  if (m.servers[to].rep_write >= (near_mean ? set.write.balance_mean : set.write.balance_other) ||
      m.servers[from].rep_read >= (near_mean ? set.read.balance_mean : set.read.balance_other))
    return;
  m.cl.totals.rebalanced++;
  start_replication(m, id, meta, from, to, meta.goal);
}

// Chooses this step's rebalancing pair: the fullest and the emptiest
// connected servers, when their used fractions differ by more than
// ACCEPTABLE_PERCENTAGE_DIFFERENCE and no chunk waits for replication.
void choose_balance(Master& m) {
  m.cl.balance_from = m.cl.balance_to = 0;
  for (const auto& q : m.cl.rep_queue)
    if (!q.empty()) return;
  const ChunkServer *lo = nullptr, *hi = nullptr;
  for (const auto& [id, s] : m.servers) {
    if (!s.connected() || s.total == 0 || s.maintenance != msg::kMaintenanceOff) continue;
    if (!lo || fullness(s) < fullness(*lo)) lo = &s;
    if (!hi || fullness(s) > fullness(*hi)) hi = &s;
  }
  const double pct = m.cl.settings.acceptable_difference;
  if (!lo || lo == hi || (fullness(*hi) - fullness(*lo)) * 100.0 <= pct) return;
  m.cl.balance_from = hi->id;
  m.cl.balance_to = lo->id;
  // Both within the acceptable difference of the mean use: the third limit
  // of CHUNKS_*_REP_LIMIT applies, otherwise the fourth.
  double sum = 0;
  int n = 0;
  for (const auto& [id, s] : m.servers)
    if (s.connected() && s.total) sum += fullness(s), n++;
  double mean = sum / n;
  m.cl.balance_near_mean = std::abs(fullness(*hi) - mean) * 100.0 <= pct && std::abs(fullness(*lo) - mean) * 100.0 <= pct;
}

// After each pass: for each server with disks marked for removal, whether
// they still hold chunks that lack their goal elsewhere (logged when that
// changes; 0 means the disks can be pulled without losing a copy).
void report_removal(Master& m) {
  for (auto it = m.cl.removal_logged.begin(); it != m.cl.removal_logged.end();) {
    if (!m.cl.last.removal.count(it->first)) it = m.cl.removal_logged.erase(it);
    else ++it;
  }
  for (const auto& [cs, r] : m.cl.last.removal) {
    auto logged = m.cl.removal_logged.find(cs);
    if (logged != m.cl.removal_logged.end() && logged->second == r.second) continue;
    m.cl.removal_logged[cs] = r.second;
    std::string name = m.servers.count(cs) ? net::to_string(m.servers[cs].loc) : std::to_string(cs);
    if (r.second == 0)
      log::info("chunkserver {}: disks marked for removal are safe to remove ({} chunks there, each at its goal "
                "on other disks)",
                name, r.first);
    else
      log::info("chunkserver {}: disks marked for removal hold {} of {} chunks still lacking their goal elsewhere",
                name, r.second, r.first);
  }
}

void log_counts(Master& m) {
  const ChunkCounts& c = m.cl.last;
  const ChunkLoopTotals& t = m.cl.totals;
  log::info(
      "chunk loop: {} chunks, {} under goal, {} over goal, {} missing, {} stale copies; since start: {} replications "
      "done, {} failed, {} deletions done, {} failed, {} copies moved to rebalance",
      c.chunks, c.under_goal, c.over_goal, c.missing, c.stale_copies, t.replications_done, t.replications_failed,
      t.deletions_done, t.deletions_failed, t.rebalanced);
}

}  // namespace

void Master::queue_deletion(uint32_t cs, uint64_t id, uint32_t version, DelWhy why) {
  if (!cl.del_queued.insert({cs, id}).second) return;
  cl.del_queue[cs].push_back({id, version, why});
}

void Master::check_chunk(uint64_t id, ChunkCounts* counts) {
  const ChunkMeta* meta = fs.chunk(id);
  if (!meta) return;
  counts->chunks++;
  if (leases.count(id)) return;  // being written: versions move
  int64_t now = loop.now_ms();
  CopyState s = copy_state(*this, id, *meta, now);
  for (uint32_t cs : s.marked) {
    auto& r = counts->removal[cs];
    r.first++;
    if (s.valid.size() < meta->goal) r.second++;
  }
  if (s.valid.empty() && s.marked.empty() && cl.totals.passes == 0 && !store.failed() &&
      bring_up(*this, id, *meta, s.stale))
    return;
  if (s.valid.empty() && s.marked.empty()) {
    counts->missing++;
    if (cl.missing_reported.insert(id).second)
      log::warn("chunk {:016X} v{} (goal {}) has no valid copy{}{}", id, meta->version, int(meta->goal),
                s.stale.empty() ? "" : fmt::format("; {} copies of another version", s.stale.size()),
                s.waiting ? fmt::format("; {} on disconnected servers", s.waiting) : "");
    return;
  }
  if (cl.missing_reported.erase(id)) log::info("chunk {:016X} has a valid copy again", id);
  counts->stale_copies += s.stale.size();
  for (const Copy& c : s.stale) queue_deletion(c.cs, id, c.version, DelWhy::kStale);
  if (s.valid.size() < meta->goal) {
    counts->under_goal++;
    if (!busy.count(id) && s.valid.size() + s.waiting < meta->goal)
      queue_replication(*this, id, static_cast<uint32_t>(s.valid.size()));
  } else if (s.valid.size() > meta->goal) {
    counts->over_goal++;
    if (cl.over_queued.insert(id).second) cl.over_queue.push_back(id);
  } else if (cl.balance_to && !busy.count(id)) {
    rebalance(*this, id, *meta);
  }
}

void Master::chunk_loop() {
  int64_t now = loop.now_ms();
  if (now - started_ms < cfg.num("REPLICATIONS_DELAY_INIT") * 1000) return;
  const int64_t min_time = cfg.num("CHUNKS_LOOP_MIN_TIME");
  // The walk: a slice of the current pass; a new pass no sooner than
  // CHUNKS_LOOP_MIN_TIME after the last one started.
  if (cl.cursor >= cl.pass.size() && now - cl.pass_started_ms >= min_time * 1000) {
    if (cl.pass_started_ms != 0) {
      bool changed = !(cl.counting == cl.last) || cl.totals.replications_done != cl.logged_totals.replications_done ||
                     cl.totals.replications_failed != cl.logged_totals.replications_failed ||
                     cl.totals.deletions_done != cl.logged_totals.deletions_done ||
                     cl.totals.deletions_failed != cl.logged_totals.deletions_failed ||
                     cl.totals.rebalanced != cl.logged_totals.rebalanced;
      cl.last = cl.counting;
      cl.totals.passes++;
      report_removal(*this);
      if (changed) {
        log_counts(*this);
        cl.logged_totals = cl.totals;
      }
    }
    cl.counting = {};
    cl.pass.clear();
    cl.pass.reserve(fs.chunks().size());
    for (const auto& [id, meta] : fs.chunks()) cl.pass.push_back(id);
    cl.cursor = 0;
    cl.pass_started_ms = now;
    for (auto it = cl.missing_reported.begin(); it != cl.missing_reported.end();) {
      if (!fs.chunk(*it)) it = cl.missing_reported.erase(it);
      else ++it;
    }
  }
  // A server gone for longer than REPLICATIONS_DELAY_DISCONNECT: every chunk
  // it held is checked now (and queued by the copies it has left) rather than
  // when the walk reaches it, up to CHUNKS_LOOP_MIN_TIME later.
  const int64_t delay_ms = cfg.num("REPLICATIONS_DELAY_DISCONNECT") * 1000;
  for (auto& [cs, srv] : servers) {
    if (srv.connected() || srv.swept || srv.held_while_away(now, delay_ms)) continue;
    srv.swept = true;
    std::vector<uint64_t> held = forget_copies(cs);  // no longer waited for
    ChunkCounts scratch;  // the walk counts them again in its pass
    for (uint64_t id : held) check_chunk(id, &scratch);
    log::info("chunkserver {} away for {} s: its {} chunks checked, {} under their goal queued for replication",
              net::to_string(srv.loc), (now - srv.disconnected_ms) / 1000, held.size(), scratch.under_goal);
  }
  // While the metadata store has failed, memory may hold one change the
  // disk lacks (Store::failed): a version bump would make every copy look
  // stale, a lowered goal some copies superfluous. So nothing is deleted,
  // rebalanced or raised to another version; under-goal chunks are still
  // replicated (a copy more never hurts).
  const bool frozen = store.failed();
  if (frozen) cl.balance_from = cl.balance_to = 0;
  else choose_balance(*this);
  uint64_t n = chunks_per_step(cl.pass.size(), cfg.num("CHUNKS_LOOP_MAX_CPS"), min_time);
  for (; n > 0 && cl.cursor < cl.pass.size(); n--) check_chunk(cl.pass[cl.cursor++], &cl.counting);

  run_replications(*this, now);
  if (frozen) return;

  // Deletions: the limit starts at the soft one, grows by half while
  // deletions wait (up to the hard one) and shrinks back when they do not.
  const uint32_t soft = static_cast<uint32_t>(cfg.num("CHUNKS_SOFT_DEL_LIMIT"));
  const uint32_t hard = std::max(soft, static_cast<uint32_t>(cfg.num("CHUNKS_HARD_DEL_LIMIT")));
  cl.del_limit = std::clamp(cl.del_limit, soft, hard);
  for (auto& [id, s] : servers) s.deletions = 0;
  bool held = run_over_goal(*this, cl.del_limit, now);
  held = run_server_deletions(*this, cl.del_limit) || held;
  if (held) cl.del_limit = std::min(hard, cl.del_limit + std::max(1u, cl.del_limit / 2));
  else cl.del_limit = std::max(soft, cl.del_limit - cl.del_limit / 3);
}

}  // namespace antler::master

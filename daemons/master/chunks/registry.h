// The chunk registry: the master's runtime knowledge of chunkservers and of
// where each chunk's copies are, the write leases, and the placement of new
// copies. None of it is metadata (it is rebuilt from the chunkservers'
// registrations after a restart), so none of it goes to the changelog.
// Everything here runs on the master's loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/msg/base.h"
#include "common/msg/cli.h"
#include "common/msg/master_cs.h"
#include "common/msg/tools.h"

namespace antler::master {

class Topology;

struct ChunkServer {
  uint32_t id = 0;
  msg::Location loc;
  uint64_t total = 0, used = 0;
  uint32_t chunk_count = 0, load = 0;
  uint32_t rep_write = 0;          // replications in flight with this server as destination
  uint32_t rep_read = 0;           // ... as source
  uint32_t deletions = 0;          // deletions sent in the current chunk loop step
  int64_t disconnected_ms = 0;     // when its link closed (its copies count as waiting until
                                   // REPLICATIONS_DELAY_DISCONNECT has passed)
  bool swept = false;              // after the delay, its chunks were checked at once (ChunkLoop)
  bool up = false;                 // its link is open (the service holds the link itself)
  int64_t registered_ms = 0;       // when it last registered (what its disks hold may have changed)
  std::string label, version;      // as registered
  std::vector<msg::CsDisk> disks;  // as the last heartbeat reported them
  // Maintenance mode (mfscli -CM1/-CM0; temporary: the server said it was
  // stopping cleanly): its copies are not replaced while it is away, and it
  // gets no new chunks or replicas while it is here.
  uint8_t maintenance = msg::kMaintenanceOff;
  int64_t maintenance_ms = 0;  // when it was switched on
  bool connected() const { return up; }
  // Whether its copies still count (as waiting, not valid) while it is
  // away: in maintenance, or gone for less than delay_ms.
  bool held_while_away(int64_t now_ms, int64_t delay_ms) const {
    return maintenance != msg::kMaintenanceOff || now_ms - disconnected_ms < delay_ms;
  }
  // Used fraction of its disks (1 when it reported none).
  double fullness() const { return total ? double(used) / double(total) : 1.0; }
};

struct Copy {
  uint32_t cs = 0;
  uint32_t version = 0;
  // On a disk marked for removal ('*' in the server's mfshdd.cfg): readable
  // and a replication source, but not counted toward the goal.
  bool removal = false;
};

// Where the copies of one chunk stand now (ChunkRegistry::classify).
struct CopyState {
  std::vector<uint32_t> valid;   // connected servers with the chunk's version (not on removal disks)
  std::vector<uint32_t> marked;  // the same, on disks marked for removal (not counted toward the goal)
  std::vector<Copy> stale;       // connected servers with another version
  uint32_t waiting = 0;          // at the chunk's version on servers away for less than the
                                 // disconnect delay, or away in maintenance mode
};

// How long a write lease holds without being renewed by the writer.
constexpr int64_t kWriteLeaseMs = 60000;

// A client's write lease on a chunk: while it holds, the chunk's version
// and copies are the writer's, and the chunk loop leaves the chunk alone.
struct Lease {
  uint64_t session = 0;
  int64_t expires_ms = 0;
};

// The placement settings of mfsmaster.cfg (typed once at start and reload).
struct PlacementSettings {
  int64_t unique_mode = 0;                 // CHUNKS_UNIQUE_MODE: 0 off, 1 per IP, 2 per rack
  int64_t creations_respect_topology = 0;  // CREATIONS_RESPECT_TOPOLOGY
};

class ChunkRegistry {
 public:
  // topology outlives the registry (the master replaces its contents on reload).
  explicit ChunkRegistry(const Topology& topology) : topology_(topology) {}
  ChunkRegistry(const ChunkRegistry&) = delete;
  ChunkRegistry& operator=(const ChunkRegistry&) = delete;

  void set_settings(const PlacementSettings& s) { settings_ = s; }
  const PlacementSettings& settings() const { return settings_; }
  const Topology& topology() const { return topology_; }

  // ---- servers
  const std::unordered_map<uint32_t, ChunkServer>& servers() const { return servers_; }
  // Calls f(ChunkServer&) for every known server; f must not add or remove servers.
  template <class F>
  void for_each_server(F f) {
    for (auto& [id, s] : servers_) f(s);
  }
  // nullptr when unknown.
  ChunkServer* server(uint32_t id);
  const ChunkServer* server(uint32_t id) const;
  // Server cs is known and connected.
  bool server_up(uint32_t cs) const;
  // The server at loc (connected or not), or nullptr.
  ChunkServer* find_server(const msg::Location& loc);
  // A (re)registering server at loc: the id it had (its recorded copies are
  // forgotten: what it reports now counts), or a new id. 0 if a connected
  // server has that address already.
  uint32_t register_server(const msg::Location& loc);
  // Forgets server id and its copies; returns the chunks that had one.
  std::vector<uint64_t> remove_server(uint32_t id);
  // "a.b.c.d:port" of server id, or its number when unknown (for logs).
  std::string name(uint32_t id) const;
  // Where a server is for CHUNKS_UNIQUE_MODE (1: its address, 2: its
  // topology location).
  std::string place_key(uint32_t cs) const;

  // ---- copies
  // The recorded copies of chunk id (nullptr: none).
  const std::vector<Copy>* copies(uint64_t id) const;
  const std::unordered_map<uint64_t, std::vector<Copy>>& all_copies() const { return copies_; }
  void add_copy(uint64_t id, const Copy& c) { copies_[id].push_back(c); }
  // Replaces server cs's copy of id (if any) with one at version.
  void set_copy(uint64_t id, uint32_t cs, uint32_t version);
  // Forgets server cs's copy of chunk id (of that version only, when given).
  void drop_copy(uint64_t id, uint32_t cs);
  void drop_copy(uint64_t id, uint32_t cs, uint32_t version);
  // Forgets every copy of chunk id; returns them.
  std::vector<Copy> take_copies(uint64_t id);
  // Forgets every copy recorded on server cs; returns the chunks that had one.
  std::vector<uint64_t> forget_copies(uint32_t cs);
  // After a version change that the `good` servers made: their copies are at
  // `version`; copies on connected servers that missed it keep their old
  // version (the chunk loop deletes them); copies on disconnected servers
  // are forgotten (their server reports them when it registers again).
  void keep_copies(uint64_t id, const std::vector<uint32_t>& good, uint32_t version);
  // Classifies the copies of chunk id (at `version`), forgetting copies on
  // servers gone for longer than delay_ms (and not in maintenance).
  CopyState classify(uint64_t id, uint32_t version, int64_t now_ms, int64_t delay_ms);
  // Valid copies of chunk id at version on connected servers, those on disks
  // marked for removal last, then the least loaded first; their server ids
  // into *ids when given.
  std::vector<msg::Location> valid_locations(uint64_t id, uint32_t version, std::vector<uint32_t>* ids = nullptr) const;
  // How many of those there are.
  size_t valid_count(uint64_t id, uint32_t version) const;

  // ---- placement
  // Servers for count new copies, none of `exclude` (those with a copy):
  // most free space first, CHUNKS_UNIQUE_MODE applied. client_ip (a new
  // chunk's writer): with CREATIONS_RESPECT_TOPOLOGY = N > 0, servers at a
  // topological distance below N from it come first.
  std::vector<uint32_t> choose_servers(size_t count, const std::vector<uint32_t>& exclude,
                                       uint32_t client_ip = 0) const;
  // Orders locations by topological distance from ip, nearest first (stable).
  void sort_by_distance(uint32_t ip, std::vector<msg::Location>& locs) const;

  // ---- write leases
  const Lease* lease(uint64_t id) const;
  bool leased(uint64_t id) const { return leases_.count(id) != 0; }
  void grant_lease(uint64_t id, uint64_t session, int64_t expires_ms) { leases_[id] = {session, expires_ms}; }
  void end_lease(uint64_t id) { leases_.erase(id); }
  void expire_leases(int64_t now_ms);

  // ---- chunks being worked on
  // Being replicated (the chunk loop starts one replication per chunk).
  bool busy(uint64_t id) const { return busy_.count(id) != 0; }
  void set_busy(uint64_t id, bool busy);
  // File slots (inode << 32 | index) whose new chunk is being created: true
  // iff the slot was free and is now taken.
  bool begin_create(uint64_t slot) { return creating_.insert(slot).second; }
  bool creating(uint64_t slot) const { return creating_.count(slot) != 0; }
  void end_create(uint64_t slot) { creating_.erase(slot); }

 private:
  const Topology& topology_;
  PlacementSettings settings_;
  std::unordered_map<uint32_t, ChunkServer> servers_;
  uint32_t next_cs_id_ = 1;
  std::unordered_map<uint64_t, std::vector<Copy>> copies_;
  std::unordered_map<uint64_t, Lease> leases_;
  std::unordered_set<uint64_t> creating_;
  std::unordered_set<uint64_t> busy_;
};

}  // namespace antler::master

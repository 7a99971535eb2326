// The master daemon: composes the namespace (fs/), its persistence (store/),
// sessions and exports (sessions/), the chunk registry and loop (chunks/) and
// the request handlers of each port (service/) on one loop thread: clients and
// tools (9421), chunkservers (9420) and metaloggers (9419).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/config.h"
#include "common/messages.h"
#include "daemons/master/chunks/chunk_loop.h"
#include "daemons/master/sessions/exports.h"
#include "daemons/master/chunks/topology.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/sessions/lock_manager.h"
#include "daemons/master/sessions/session.h"
#include "daemons/master/service/loop.h"
#include "daemons/master/store/store.h"

namespace antler::master {

struct ChunkServer {
  uint32_t id = 0;
  msg::Location loc;
  uint64_t total = 0, used = 0;
  uint32_t chunk_count = 0, load = 0;
  uint32_t rep_write = 0;     // replications in flight with this server as destination
  uint32_t rep_read = 0;      // ... as source
  uint32_t deletions = 0;     // deletions sent in the current chunk loop step
  int64_t disconnected_ms = 0;  // when its link closed (its copies count as waiting until
                                // REPLICATIONS_DELAY_DISCONNECT has passed)
  bool swept = false;           // after the delay, its chunks were checked at once (chunk_loop.cc)
  LinkPtr link;               // null while disconnected
  std::string label, version;  // as registered
  std::vector<msg::CsDisk> disks;  // as the last heartbeat reported them
  // Maintenance mode (admin.cc, mfscli -CM1/-CM0; temporary: the server
  // said it was stopping cleanly): its copies are not replaced while it is
  // away, and it gets no new chunks or replicas while it is here.
  uint8_t maintenance = msg::kMaintenanceOff;
  int64_t maintenance_ms = 0;  // when it was switched on
  bool connected() const { return link && link->open(); }
  // Whether its copies still count (as waiting, not valid) while it is
  // away: in maintenance, or gone for less than delay_ms.
  bool held_while_away(int64_t now_ms, int64_t delay_ms) const {
    return maintenance != msg::kMaintenanceOff || now_ms - disconnected_ms < delay_ms;
  }
};

struct Copy {
  uint32_t cs = 0;
  uint32_t version = 0;
  // On a disk marked for removal ('*' in the server's mfshdd.cfg): readable
  // and a replication source, but not counted toward the goal.
  bool removal = false;
};

// Clients re-claim their locks within this long after the master starts.
constexpr int64_t kLockGraceMs = 5000;

class Master {
 public:
  explicit Master(const Config& cfg);
  int start(bool autorecover);  // 0 on success; logs why not
  void run();                   // the loop thread
  void request_stop();          // any thread
  void reload(const Config& cfg);

  // ---- used by the handler files
  Fs fs;
  Store store;
  Loop loop;

  // Client side (client_register.cc: handshake, registration; client_ops.cc).
  bool on_client_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  // mfscli (admin.cc): monitoring and chunkserver commands on port 9421,
  // from connections that said Hello with role kRoleTool.
  bool on_cli_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  // A chunkserver said it is stopping cleanly (CsStopping).
  void cs_stopping(uint32_t cs);
  // Ends maintenance modes that passed CS_MAINTENANCE_MODE_TIMEOUT or
  // CS_TEMP_MAINTENANCE_MODE_TIMEOUT.
  void maintenance_tick();
  // Chunkserver side (cs_ops.cc).
  bool on_cs_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  void on_cs_close(const LinkPtr& link);
  void on_client_close(const LinkPtr& link);
  using OpDone = std::function<void(St, uint32_t version)>;
  // Sends a command (CsCreate, CsSetVersion, …) to server cs; done runs once
  // with the reply or with kTimeout/kDisconnected.
  template <class M>
  void cs_command(uint32_t cs, M m, OpDone done);
  // Runs every chunk operation of `ops` and calls done with the servers that
  // succeeded, in order.
  void cs_gather(std::vector<std::pair<uint32_t, std::function<void(OpDone)>>> ops,
                 std::function<void(std::vector<uint32_t>)> done);
  // Commits op, then sends deletions for chunks it released.
  St commit(const Op& op);
  // Servers for count new copies, none of `exclude` (those with a copy):
  // most free space first, CHUNKS_UNIQUE_MODE applied. client_ip (a new
  // chunk's writer): with CREATIONS_RESPECT_TOPOLOGY = N > 0, servers at a
  // topological distance below N from it come first.
  std::vector<uint32_t> choose_servers(size_t count, const std::vector<uint32_t>& exclude,
                                       uint32_t client_ip = 0) const;
  std::vector<msg::Location> valid_locations(uint64_t chunk_id, std::vector<uint32_t>* ids = nullptr) const;
  // Copies bookkeeping: forget server cs's copy of chunk id; keep only the
  // copies on `good` servers, now at `version`.
  void drop_copy(uint64_t id, uint32_t cs);
  // Forgets every copy recorded on server cs; returns the chunks that had one.
  std::vector<uint64_t> forget_copies(uint32_t cs);
  // Server cs is known and connected.
  bool server_up(uint32_t cs) const {
    auto s = servers.find(cs);
    return s != servers.end() && s->second.connected();
  }
  void keep_copies(uint64_t id, const std::vector<uint32_t>& good, uint32_t version);
  // Chunk loop (chunk_loop.cc, chunk_loop.h): one step a second.
  void chunk_loop();
  // Checks one chunk now and queues the work it needs (counts: the pass's).
  void check_chunk(uint64_t id, ChunkCounts* counts);
  // A copy of chunk id at version on server cs that must go (stale or orphan).
  void queue_deletion(uint32_t cs, uint64_t id, uint32_t version, DelWhy why);
  ChunkLoopState cl;
  // Purges trash files whose trash time is over (client_tools.cc).
  void expire_trash();

  std::unordered_map<uint32_t, ChunkServer> servers;
  std::unordered_map<uint64_t, std::vector<Copy>> copies;
  struct Lease {
    uint64_t session = 0;
    int64_t expires_ms = 0;
  };
  std::unordered_map<uint64_t, Lease> leases;         // chunk id -> writer
  std::unordered_set<uint64_t> creating;              // (inode << 32 | index) being allocated
  std::unordered_set<uint64_t> busy;                  // chunks being replicated
  std::unordered_map<uint64_t, Session> sessions;
  std::unordered_map<uint32_t, uint32_t> open_count;  // inode -> sessions holding it open
  bool is_open(uint32_t inode) const { return open_count.count(inode) != 0; }
  std::unordered_map<uint32_t, std::pair<uint32_t, OpDone>> pending_ops;  // op id -> (cs, done)
  uint32_t next_op_id = 1;
  uint32_t next_cs_id = 1;
  int64_t started_ms = 0;
  Exports exports;
  Topology topology;  // TOPOLOGY_FILENAME
  // Orders locations by topological distance from ip, nearest first (stable).
  void sort_by_distance(uint32_t ip, std::vector<msg::Location>& locs) const;
  Config cfg;

  // File locks (client_locks.cc). Not metadata: in memory only.
  LockManager locks;
  struct LockWait {  // a waiting ClLock, answered when decided
    LinkPtr link;
    uint32_t req = 0;
    uint32_t inode = 0;
    uint64_t owner = 0;
    uint8_t kind = 0;
  };
  std::unordered_map<uint64_t, LockWait> lock_waits;  // LockRequest::token -> reply
  uint64_t next_lock_token = 1;
  // After start-up, clients re-claim the locks they held before new lock
  // requests are served; those wait here until then.
  int64_t lock_grace_until_ms = 0;
  struct Deferred {
    LinkPtr link;
    uint32_t type = 0;
    std::string payload;
  };
  std::vector<Deferred> lock_deferred;
  bool in_lock_grace() const { return loop.now_ms() < lock_grace_until_ms; }
  void send_lock_wakeups();
  void lock_tick();  // releases the locks of sessions gone for SESSION_LOCK_TIMEOUT

 private:
  void tick();
  std::unique_ptr<Listener> client_listener_, cs_listener_, ml_listener_;
  int64_t last_save_ms_ = 0;
};

}  // namespace antler::master

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
#include "common/metrics.h"
#include "common/msg/base.h"
#include "common/msg/cli.h"
#include "common/msg/client.h"
#include "common/msg/master_cs.h"
#include "daemons/master/chunks/chunk_loop.h"
#include "daemons/master/chunks/registry.h"
#include "daemons/master/chunks/tokens.h"
#include "daemons/master/chunks/topology.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/master_settings.h"
#include "daemons/master/service/cs_commander.h"
#include "daemons/master/service/loop.h"
#include "daemons/master/service/ml_feed.h"
#include "daemons/master/service/sync_gate.h"
#include "daemons/master/sessions/exports.h"
#include "daemons/master/sessions/lock_manager.h"
#include "daemons/master/sessions/session.h"
#include "daemons/master/sessions/session_table.h"
#include "daemons/master/store/store.h"

namespace antler::master {

// Clients re-claim their locks within this long after the master starts.
constexpr int64_t kLockGraceMs = 5000;

class Master : public ChunkLoopHost {
 public:
  explicit Master(const MasterSettings& settings);
  ~Master() override;
  // open() then serve(): 0 on success; logs why not.
  int start(bool autorecover);
  // Loads exports and topology, and the metadata (DATA_PATH); nothing is
  // served yet (the unit tests drive the handlers from here).
  int open(bool autorecover);
  // mfsmaster restore: open(true), then the recovered metadata is written
  // to DATA_PATH/metadata.mfs before it returns; nothing is served.
  int restore();
  // Listens on the three ports and starts the timers.
  int serve();
  void run();           // the loop thread
  void request_stop();  // any thread
  void reload(const Config& cfg);

  // What the listeners call, on the loop thread. Returning false closes the
  // link (the reason is logged).
  // Port 9421: clients (client_register.cc, client_*.cc), and mfscli
  // (admin.cc) on connections that said Hello with role kRoleTool.
  bool on_client_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  void on_client_close(const LinkPtr& link);
  // Port 9419: metaloggers (service/ml_feed.cc).
  bool on_ml_frame(const LinkPtr& link, uint32_t type, std::string_view payload) {
    return ml_feed_->on_frame(link, type, payload);
  }
  void on_ml_close(const LinkPtr& link) { ml_feed_->on_close(link); }
  // Port 9420: chunkservers (cs_ops.cc).
  bool on_cs_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  void on_cs_close(const LinkPtr& link);

  // Read-only views, for tests and the exporters.
  const Fs& fs() const { return fs_; }
  const ChunkRegistry& chunks() const { return chunks_; }
  const ChunkLoop& chunk_loop() const { return chunk_loop_; }
  const SessionTable& sessions() const { return sessions_; }
  const CsCommander& commander() const { return commander_; }
  const MasterSettings& settings() const { return settings_; }  // loop thread only
  bool metadata_failed() const { return store_.failed(); }
  SyncGate::Stats sync_stats() const { return sync_.stats(loop_.now_ms()); }
  // Epoch fencing: a peer said it has seen a newer cluster epoch than this
  // master's, so another master was promoted after this one. The master
  // then refuses every change and runs the hook (mfsmaster: SIGTERM to
  // itself; it exits with status 3 without saving its metadata).
  bool stepped_down() const { return stepped_down_; }
  void set_step_down_hook(std::function<void()> hook) { step_down_hook_ = std::move(hook); }
  // Runs what is due on the loop without blocking (tests, which do not run()).
  void poll() { loop_.poll(); }
  // What /metrics and /health say (service/master_metrics.cc); loop thread.
  metrics::Exposition collect_metrics() const;
  metrics::Health health() const;

  // ChunkLoopHost: the chunk loop's commands, clock and deferral.
  void send(uint32_t cs, const CsCommand& cmd, Done done) override;
  int64_t now_ms() const override { return loop_.now_ms(); }
  void post(std::function<void()> fn) override { loop_.post(std::move(fn)); }
  bool metadata_frozen() const override { return store_.failed(); }

 private:
  // The request handlers of the service layer work on the master's state.
  friend class ClientOps;
  friend class CliOps;
  friend class Registration;

  using OpDone = CsCommander::Done;
  // A chunkserver said it is stopping cleanly (CsStopping).
  void cs_stopping(uint32_t cs);
  // Ends maintenance modes that passed CS_MAINTENANCE_MODE_TIMEOUT or
  // CS_TEMP_MAINTENANCE_MODE_TIMEOUT.
  void maintenance_tick();
  bool on_cli_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  // Sends a command (CsCreate, CsSetVersion, …) to server cs; done runs once
  // with the reply or with kTimeout/kDisconnected.
  template <class M>
  void cs_command(uint32_t cs, M m, OpDone done) {
    if (!chunks_.server_up(cs)) return done(St::kDisconnected, 0);
    if constexpr (std::is_same_v<M, msg::CsReplicate>) m.token = tokens_.sign(m.chunk_id, m.version, token::kRead);
    commander_.send(cs, std::move(m), std::move(done));
  }
  // Every CHUNK_TOKEN_ROTATION: a new token key, sent to every chunkserver.
  void rotate_token_key();
  // Runs every chunk operation of `ops` and calls done with the servers that
  // succeeded, in order.
  void cs_gather(std::vector<std::pair<uint32_t, std::function<void(OpDone)>>> ops,
                 std::function<void(std::vector<uint32_t>)> done);
  // Commits op, then queues deletions for chunks it released. While the
  // sync gate refuses changes, a client request's commit is kRoFs.
  St commit(const Op& op);
  // SYNC_METALOGGERS (sync_gate.h): runs fn once the changes made so far are
  // on enough metaloggers' disks; reply_synced sends a client its frame then.
  void when_synced(std::function<void()> fn) { sync_.when_synced(fs_.version(), std::move(fn), loop_.now_ms()); }
  // While refusing changes (the fallback), an answer to a request that
  // changed nothing (!changed) goes at once: reads go on.
  void reply_synced(const LinkPtr& link, std::string frame, bool changed = true) {
    if (!changed && sync_.mode() == SyncGate::Mode::kRefusing) return link->send(std::move(frame));
    when_synced([link, f = std::move(frame)]() mutable {
      if (link->open()) link->send(std::move(f));
    });
  }
  void apply_sync_settings();
  // Every Hello (clients, tools, chunkservers, metaloggers): puts this
  // master's epoch in *r; false (r says why) when the peer follows another
  // master: one of a newer epoch (a chunkserver or metalogger makes this
  // master step down; a mount or tool is only refused) or another master of
  // this epoch (split brain: the peer is refused).
  bool hello_epoch(const msg::Hello& h, const LinkPtr& link, const char* what, msg::HelloReply* r);
  void step_down(const std::string& why);
  // Valid copies of chunk id at its version in the metadata (none if no file uses it).
  std::vector<msg::Location> valid_locations(uint64_t chunk_id, std::vector<uint32_t>* ids = nullptr) const;
  // Appends the addresses of servers ids (those still known) to *locs.
  void add_locations(const std::vector<uint32_t>& ids, std::vector<msg::Location>* locs) const;
  // Purges trash files whose trash time is over (client_tools.cc).
  void expire_trash();
  bool is_open(uint32_t inode) const { return sessions_.is_open(inode); }
  void tick();

  // File locks (client_locks.cc). Not metadata: in memory only.
  struct LockWait {  // a waiting ClLock, answered when decided
    LinkPtr link;
    uint32_t req = 0;
    uint32_t inode = 0;
    uint64_t owner = 0;
    uint8_t kind = 0;
  };
  struct Deferred {
    LinkPtr link;
    uint32_t type = 0;
    std::string payload;
  };
  bool in_lock_grace() const { return loop_.now_ms() < lock_grace_until_ms_; }
  void send_lock_wakeups();
  void lock_tick();  // releases the locks of sessions gone for SESSION_LOCK_TIMEOUT
  // Ends the sessions gone for SESSION_SUSTAIN_TIME: their locks go, their
  // open files are released (a deleted one no session holds is purged).
  void expire_sessions();
  // MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP into the loop (start, reload).
  void apply_limits();

  MasterSettings settings_;  // replaced whole at reload
  Fs fs_;
  Store store_;
  Loop loop_;
  Topology topology_;  // TOPOLOGY_FILENAME
  ChunkRegistry chunks_{topology_};
  ChunkLoop chunk_loop_{chunks_, fs_, *this};
  TokenIssuer tokens_;
  CsCommander commander_{[this](int ms, std::function<void()> fn) { loop_.after(ms, std::move(fn)); }};
  SessionTable sessions_;
  Exports exports_;
  int64_t started_ms_ = 0;
  LockManager locks_;
  std::unordered_map<uint64_t, LockWait> lock_waits_;  // LockRequest::token -> reply
  uint64_t next_lock_token_ = 1;
  // After start-up, clients re-claim the locks they held before new lock
  // requests are served; those wait here until then.
  int64_t lock_grace_until_ms_ = 0;
  std::vector<Deferred> lock_deferred_;
  std::unique_ptr<MlFeed> ml_feed_;  // after loop_: its catch-up threads post to it
  SyncGate sync_;
  bool in_request_ = false;  // a client request's handler runs (its commits may be refused)
  bool stepped_down_ = false;
  std::function<void()> step_down_hook_;
  std::unique_ptr<Listener> client_listener_, cs_listener_, ml_listener_;
  int64_t last_save_ms_ = 0;
  // METRICS_LISTEN_PORT: /metrics and /health, answered on the loop thread.
  Status start_metrics();
  // A client request of this type took seconds of the loop's time.
  void count_request(uint32_t type, double seconds);
  std::unordered_map<uint32_t, metrics::LocalHistogram> request_latency_;
  metrics::LocalHistogram scrape_latency_;    // the loop's time per /metrics
  std::unique_ptr<metrics::Server> metrics_;  // last: its threads stop first
};

}  // namespace antler::master

// The chunkserver's connection to mfsmaster (port 9420): handshake,
// registration with the full chunk list, a heartbeat with free space every
// second, and the master's commands (create, delete, set version, truncate,
// replicate). Reconnects after MASTER_RECONNECTION_DELAY when the link drops.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/epoch.h"
#include "common/msg/base.h"
#include "common/msg/data.h"
#include "common/msg/master_cs.h"
#include "common/net.h"
#include "daemons/chunkserver/service/token_gate.h"
#include "daemons/chunkserver/storage/chunk_store.h"

namespace antler::cs {

class MasterLink {
 public:
  struct Options {
    std::string master_host = "mfsmaster";
    uint16_t master_port = 9420;
    uint32_t bind_ip = 0;       // local address for the connection (BIND_HOST), 0: any
    uint32_t advertise_ip = 0;  // address sent in CsRegister, 0: master uses the peer address
    uint16_t cs_port = 9422;    // our data port
    int reconnect_delay_s = 5;
    int timeout_s = 10;
    std::string label;
    int replicate_timeout_ms = 30000;  // per frame from the source server
    // Where the newest cluster epoch seen is kept (DATA_PATH/.mfschunkserver.epoch;
    // "": in memory only): a master of an older one is refused (common/epoch.h).
    std::string epoch_file;
  };

  MasterLink(ChunkStore& store, const Options& opts, std::function<uint32_t()> load);
  ~MasterLink();

  void start();
  void stop();
  void wait();
  // Queues an unsolicited CsChunkDamaged (sent now, or after the next registration).
  void report_damaged(uint64_t chunk_id);
  bool registered() const { return registered_; }

  // Copies a chunk from another server with the CsRead protocol (used by
  // replicate; public for tests).
  // token: the master's read token for the source.
  static St fetch_chunk(ChunkStore& store, uint64_t chunk_id, uint32_t version, const msg::Location& source,
                        int timeout_ms, net::Conn* conn, const std::atomic<bool>* stop, const std::string& token = "");
  // Where the master's token keys go (registration, rotation). Set before start().
  void set_token_gate(TokenGate* gate) { gate_ = gate; }

 private:
  void run();
  void heartbeat_loop();
  // One connection: returns when it ends.
  void session();
  bool connect(net::Conn& c, uint32_t ip);
  void handle(uint32_t type, const std::string& payload, bool* ok);
  void replicate(msg::CsReplicate r, uint64_t gen);
  template <class M>
  bool send(const M& m) {
    std::lock_guard lk(send_mu_);
    return registered_ && conn_.send(m);
  }
  void sleep_for(int seconds);
  void flush_damaged();

  ChunkStore& store_;
  Options opts_;
  std::function<uint32_t()> load_;
  TokenGate* gate_ = nullptr;
  std::thread thread_, heartbeat_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;  // sleeping, damaged_, replications
  std::condition_variable cv_;
  std::set<uint64_t> damaged_;
  int replications_ = 0;
  std::set<net::Conn*> rep_conns_;

  std::mutex send_mu_;       // guards conn_ writes and replacement, registered_, gen_
  net::Conn conn_;           // sending side (a dup of the socket)
  net::Conn* rx_ = nullptr;  // receiving side, owned by session()
  std::atomic<bool> registered_{false};
  std::atomic<uint64_t> gen_{0};  // connection generation
  uint64_t cluster_id_ = 0, meta_version_ = 0;
  Epoch epoch_;  // the newest seen (Options::epoch_file)
  // The heartbeat's per-second record of each disk's I/O totals and longest
  // operations, for the last minute's figures it reports (oldest first).
  std::deque<std::vector<DiskIo>> io_totals_;
  std::deque<std::vector<std::array<uint32_t, 3>>> io_max_;
  std::string last_failure_;  // to log a repeating failure once a minute
  std::chrono::steady_clock::time_point last_warned_{};
};

}  // namespace antler::cs

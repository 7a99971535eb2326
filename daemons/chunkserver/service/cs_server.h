// The chunkserver's data port (9422): reads and chained writes from clients
// and other chunkservers. One thread per accepted connection, blocking I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/fd.h"
#include "common/status.h"
#include "daemons/chunkserver/service/token_gate.h"
#include "daemons/chunkserver/storage/chunk_store.h"

namespace antler::cs {

class CsServer {
 public:
  struct Options {
    bool fsync_before_close = false;  // HDD_FSYNC_BEFORE_CLOSE
    int connect_timeout_ms = 5000;    // to the next server of a write chain
    int ack_timeout_ms = 30000;       // waiting for the next server's acknowledgement
    int hello_timeout_ms = 10000;     // a new connection must say Hello within this
    uint32_t max_frame = 1u << 20;    // largest frame accepted on this port
    uint32_t hello_max_frame = 4096;  // largest first frame (the Hello)
    uint32_t max_connections = 2000;  // open at once; more are refused (each costs a thread)
    uint32_t max_connections_per_ip = 500;
  };

  CsServer(ChunkStore& store, const Options& opts);
  ~CsServer();
  // Called (from a connection thread) when a read finds a CRC mismatch.
  void set_damage_reporter(std::function<void(uint64_t chunk_id)> f) { report_damaged_ = std::move(f); }
  // Requests must carry a chunk access token the gate allows (none set: all
  // pass, as in tests that run a server alone). Set before start().
  void set_token_gate(const TokenGate* gate) { gate_ = gate; }
  bool token_ok(std::string_view t, uint64_t chunk_id, uint32_t version, token::Mode mode) const {
    return !gate_ || gate_->allows(t, chunk_id, version, mode);
  }

  // Binds ip:port (port 0: any, see port()) and starts accepting. On failure:
  // "cannot listen on IP:PORT: <strerror>".
  Status start(uint32_t ip, uint16_t port);
  uint16_t port() const { return port_; }
  // Stops accepting and shuts every open connection down.
  void stop();
  // Returns when the accept thread and every connection thread have ended.
  void wait();
  // Connections being served (reported to the master as load).
  uint32_t load() const { return active_.load(); }

  const Options& options() const { return opts_; }
  ChunkStore& store() { return store_; }
  void damaged(uint64_t chunk_id) {
    if (report_damaged_) report_damaged_(chunk_id);
  }

 private:
  void accept_loop();
  void serve(int fd, uint32_t ip);

  ChunkStore& store_;
  Options opts_;
  std::function<void(uint64_t)> report_damaged_;
  const TokenGate* gate_ = nullptr;
  UniqueFd listen_fd_;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> active_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_set<int> fds_;  // open connections, to shut down at stop
  int threads_ = 0;
  std::unordered_map<uint32_t, uint32_t> per_ip_;  // open connections by peer address
  uint64_t refused_ = 0;                           // since the last warning
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

// Host name for Hello messages.
std::string host_name();

}  // namespace antler::cs

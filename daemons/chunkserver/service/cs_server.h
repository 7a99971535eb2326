// The chunkserver's data port (9422): reads and chained writes from clients
// and other chunkservers. One thread per accepted connection, blocking I/O.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "common/fd.h"
#include "common/status.h"
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
  };

  CsServer(ChunkStore& store, const Options& opts);
  ~CsServer();
  // Called (from a connection thread) when a read finds a CRC mismatch.
  void set_damage_reporter(std::function<void(uint64_t chunk_id)> f) { report_damaged_ = std::move(f); }

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
  void serve(int fd);

  ChunkStore& store_;
  Options opts_;
  std::function<void(uint64_t)> report_damaged_;
  UniqueFd listen_fd_;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint32_t> active_{0};
  std::mutex mu_;
  std::condition_variable idle_;
  std::unordered_set<int> fds_;  // open connections, to shut down at stop
  int threads_ = 0;
};

// Host name for Hello messages.
std::string host_name();

}  // namespace antler::cs

// The chunkserver's background work (one thread):
// - every second, chunks of disks taken out of service after too many I/O
//   errors are reported to the master as lost copies;
// - the scrub: every chunk is re-read block by block and each block's CRC
//   checked, at most HDD_TEST_SPEED MiB/s per disk (0: no scrub), in chunk
//   id order, round and round. A damaged copy is reported; the master drops
//   it and copies the chunk again from a good one;
// - moves between local disks for the '<' and '>' markers of mfshdd.cfg,
//   busy at most HDD_REBALANCE_UTILIZATION percent of the time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "daemons/chunkserver/storage/chunk_store.h"

namespace antler::cs {

class Background {
 public:
  struct Options {
    double test_mib_per_s = 1;   // HDD_TEST_SPEED times the disks in service
    int rebalance_percent = 20;  // HDD_REBALANCE_UTILIZATION
  };
  // report(id): this server's copy of chunk id is gone or damaged.
  Background(ChunkStore& store, const Options& opts, std::function<void(uint64_t)> report);
  ~Background();  // stops the thread
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  void start();
  uint64_t chunks_checked() const { return checked_; }
  uint64_t damaged_found() const { return damaged_; }

 private:
  void run();
  // Checks the next chunk of the round; returns its id, or 0 when the round
  // is over (or there is no chunk). *bytes: what was read.
  uint64_t check_next(uint64_t* bytes);
  // Sleeps up to ms; false if stopping.
  bool pause(int64_t ms);

  ChunkStore& store_;
  double bytes_per_s_;
  int rebalance_percent_;
  std::function<void(uint64_t)> report_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<uint64_t> checked_{0}, damaged_{0};
  // The chunks of the current scrub round, by id, listed once when it starts.
  std::vector<msg::ChunkRef> round_;
  size_t round_pos_ = 0;
};

}  // namespace antler::cs

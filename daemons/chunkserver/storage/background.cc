#include "daemons/chunkserver/storage/background.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "common/log.h"

namespace antler::cs {

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Background::Background(ChunkStore& store, const Options& opts, std::function<void(uint64_t)> report)
    : store_(store),
      bytes_per_s_(opts.test_mib_per_s * 1048576.0),
      rebalance_percent_(opts.rebalance_percent),
      report_(std::move(report)) {}

Background::~Background() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Background::start() {
  thread_ = std::thread([this] { run(); });
}

bool Background::pause(int64_t ms) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::milliseconds(ms), [this] { return stop_; });
  return !stop_;
}

uint64_t Background::check_next(uint64_t* bytes) {
  *bytes = 0;
  if (round_pos_ == round_.size()) {
    bool ended = !round_.empty();
    round_.clear();
    round_pos_ = 0;
    if (ended) return 0;  // a round is over
    round_ = store_.list();
    std::sort(round_.begin(), round_.end(),
              [](const msg::ChunkRef& a, const msg::ChunkRef& b) { return a.chunk_id < b.chunk_id; });
    if (round_.empty()) return 0;
  }
  // Chunks deleted or rewritten since the round began fail to open: skipped.
  uint64_t id = round_[round_pos_].chunk_id;
  uint32_t version = round_[round_pos_].version;
  round_pos_++;
  ChunkStore::Handle h;
  if (store_.open(id, version, &h) != St::kOk) return id;  // changed or gone meanwhile
  auto buf = std::make_unique<char[]>(msg::kBlockSize);
  uint32_t length = h.length();
  uint32_t blocks = (length + msg::kBlockSize - 1) / msg::kBlockSize;
  for (uint32_t b = 0; b < blocks; b++) {
    St st = h.read_block(b, buf.get(), nullptr, &length);
    *bytes += msg::kBlockSize;
    if (st == St::kCrc) {
      damaged_++;
      log::warn("scrub: chunk {} block {}: CRC mismatch; reporting the copy damaged",
                ChunkStore::file_name(id, version), b);
      report_(id);
      break;
    }
    if (st != St::kOk) break;  // I/O errors are counted by the store; a deleted chunk is skipped
  }
  checked_++;
  return id;
}

void Background::run() {
  uint64_t last = 0;
  int64_t next_check = 0, next_read = 0, next_move = 0;
  for (;;) {
    int64_t now = now_ms();
    if (now >= next_check) {
      for (uint64_t id : store_.take_failed_chunks()) report_(id);
      next_check = now + 1000;
    }
    if (bytes_per_s_ > 0 && now >= next_read) {
      uint64_t bytes = 0;
      last = check_next(&bytes);
      // The next chunk when the bytes just read have had their time at the
      // speed; after a full round, a second's rest.
      next_read = now + (last == 0 ? 1000 : static_cast<int64_t>(static_cast<double>(bytes) * 1000.0 / bytes_per_s_));
    }
    if (rebalance_percent_ > 0 && now_ms() >= next_move) {
      int64_t start = now_ms();
      uint64_t moved = store_.move_step();
      int64_t took = now_ms() - start;
      // busy `took`, then idle so that moving takes rebalance_percent of the time
      next_move = moved == 0 ? start + 1000 : now_ms() + took * (100 - rebalance_percent_) / rebalance_percent_;
    }
    int64_t until = next_check;
    if (bytes_per_s_ > 0) until = std::min(until, next_read);
    if (rebalance_percent_ > 0) until = std::min(until, next_move);
    if (!pause(std::max<int64_t>(until - now_ms(), 0))) return;
  }
}

}  // namespace antler::cs

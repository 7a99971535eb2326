#include "daemons/master/service/sync_gate.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace antler::master {

const char* SyncGate::name(Mode m) {
  switch (m) {
    case Mode::kOff: return "off";
    case Mode::kSync: return "sync";
    case Mode::kServing: return "serving-unsynced";
    case Mode::kRefusing: return "refusing-changes";
  }
  return "?";
}

void SyncGate::set(const Settings& s, int64_t now_ms) {
  bool was_off = s_.n == 0;
  s_ = s;
  if (s_.n == 0) {
    if (!was_off) log::info("SYNC_METALOGGERS is 0: changes are answered without waiting for metaloggers");
    mode_ = Mode::kOff;
    release(now_ms, true);
    return;
  }
  if (mode_ == Mode::kOff) mode_ = Mode::kSync;
  short_since_ms_ = acked_.size() < s_.n ? now_ms : -1;
  // A different N counts other metaloggers: the next update says how far.
  synced_ = acked_.size() >= s_.n ? std::max(synced_, acked_[s_.n - 1]) : synced_;
  release(now_ms, mode_ == Mode::kServing);
}

void SyncGate::when_synced(uint64_t version, std::function<void()> fn, int64_t now_ms) {
  if (!waits() || (held_.empty() && version <= synced_)) return fn();
  held_.push_back({version, now_ms, now_us(), std::move(fn)});
}

void SyncGate::update(const std::vector<uint64_t>& acked, uint64_t version, int64_t now_ms) {
  acked_ = acked;
  std::sort(acked_.begin(), acked_.end(), std::greater<>());
  if (s_.n == 0) return;
  bool enough = acked_.size() >= s_.n;
  if (!enough && short_since_ms_ < 0) short_since_ms_ = now_ms;
  if (enough) short_since_ms_ = -1;
  if (enough) synced_ = std::max(synced_, acked_[s_.n - 1]);
  release(now_ms, mode_ == Mode::kServing);
  if ((mode_ == Mode::kServing || mode_ == Mode::kRefusing) && enough && synced_ >= version) {
    log::info("{} metalogger(s) have every change (version {}): changes wait for them again", s_.n, version);
    mode_ = Mode::kSync;
  }
}

void SyncGate::tick(int64_t now_ms) {
  if (mode_ != Mode::kSync) return;
  if (short_since_ms_ >= 0 && now_ms - short_since_ms_ >= s_.timeout_ms)
    return fall_back(now_ms, "fewer metaloggers are connected than SYNC_METALOGGERS");
  if (!held_.empty() && now_ms - held_.front().since_ms >= s_.timeout_ms)
    fall_back(now_ms, "no metalogger has confirmed the oldest waiting change");
}

void SyncGate::fall_back(int64_t now_ms, const char* why) {
  stats_.fallbacks_total++;
  int64_t waited = held_.empty() ? now_ms - short_since_ms_ : now_ms - held_.front().since_ms;
  if (s_.serve) {
    mode_ = Mode::kServing;
    log::warn(
        "SYNC_METALOGGERS = {}: {} for {} ms; serving without them (SYNC_METALOGGERS_FALLBACK = serve): changes "
        "answered now may be lost if this master's host is lost",
        s_.n, why, waited);
    release(now_ms, true);
  } else {
    mode_ = Mode::kRefusing;
    log::warn(
        "SYNC_METALOGGERS = {}: {} for {} ms; refusing changes (SYNC_METALOGGERS_FALLBACK = refuse) until {} "
        "metalogger(s) have every change; {} answer(s) wait for them",
        s_.n, why, waited, s_.n, held_.size());
  }
}

int64_t SyncGate::now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SyncGate::release(int64_t, bool all) {
  int64_t us = held_.empty() ? 0 : now_us();
  while (!held_.empty() && (all || held_.front().version <= synced_)) {
    Held h = std::move(held_.front());
    held_.pop_front();
    stats_.released_total++;
    stats_.wait_us_total += us - h.since_us;
    h.fn();
  }
}

bool SyncGate::counted(uint64_t acked) const {
  if (s_.n == 0 || acked_.empty()) return false;
  return acked >= acked_[std::min<size_t>(s_.n, acked_.size()) - 1];
}

SyncGate::Stats SyncGate::stats(int64_t now_ms) const {
  Stats s = stats_;
  s.mode = mode_;
  s.n = s_.n;
  s.synced = synced_;
  s.held = held_.size();
  s.oldest_wait_ms = held_.empty() ? 0 : now_ms - held_.front().since_ms;
  return s;
}

}  // namespace antler::master

// SYNC_METALOGGERS: what the master says to clients and chunkservers after
// a metadata change waits until that change is on the disks of N
// metaloggers. A promoted metalogger then holds every change anyone was
// told of, and no chunkserver holds a chunk version (or lacks a chunk) that
// the promoted metadata does not know.
//
// The gate knows only versions and time: the master hands it the work of
// sending (when_synced), and the metaloggers' acknowledgements (update).
// Versions only grow, so held work is released in the order it was held.
//
// When fewer than N metaloggers are connected, or held work has waited,
// for SYNC_METALOGGERS_TIMEOUT, the gate falls back (SYNC_METALOGGERS_FALLBACK):
//   refuse  (the default) new changes are refused (EROFS) and requests
//           that change nothing are answered at once (Master::reply_synced);
//           a change already made stays unanswered until N metaloggers have
//           it, since answering it would acknowledge what a promotion may lose;
//   serve   everything held goes out and the master serves without waiting,
//           logging a warning, until N metaloggers are back and caught up.
// Either way the gate returns to waiting once N metaloggers have acknowledged
// the current version.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace antler::master {

class SyncGate {
 public:
  enum class Mode : uint8_t {
    kOff = 0,       // SYNC_METALOGGERS = 0
    kSync = 1,      // waiting for N metaloggers, as configured
    kServing = 2,   // fell back: serving without them
    kRefusing = 3,  // fell back: refusing changes
  };
  static const char* name(Mode m);

  struct Settings {
    uint32_t n = 0;              // SYNC_METALOGGERS
    int64_t timeout_ms = 10000;  // SYNC_METALOGGERS_TIMEOUT
    bool serve = false;          // SYNC_METALOGGERS_FALLBACK = serve
  };
  // The figures mfscli -SMB shows (and the exporters will).
  struct Stats {
    Mode mode = Mode::kOff;
    uint32_t n = 0;
    uint64_t synced = 0;           // every version up to this is on N metaloggers
    uint64_t held = 0;             // replies and commands waiting now
    int64_t oldest_wait_ms = 0;    // how long the oldest of them has waited
    uint64_t released_total = 0;   // held ones sent so far
    int64_t wait_us_total = 0;     // and the time they waited, summed (steady clock)
    uint64_t refused_total = 0;    // changes refused in kRefusing
    uint64_t fallbacks_total = 0;  // times the gate fell back
  };

  // Applies new settings (start, reload); may release (a lower N).
  void set(const Settings& s, int64_t now_ms);
  // Runs fn once every version up to `version` is on N metaloggers: now if
  // it is (or the gate is off or serving), else later, in order.
  void when_synced(uint64_t version, std::function<void()> fn, int64_t now_ms);
  // The versions the connected metaloggers have on disk (one per
  // metaloggers, in any order) and the master's version: releases what
  // they cover, and ends a fallback once N have the current version.
  void update(const std::vector<uint64_t>& acked, uint64_t version, int64_t now_ms);
  // Every second: starts a fallback when due.
  void tick(int64_t now_ms);

  // Whether a client's change must be refused now (counts it if so).
  bool refuse_change() {
    if (mode_ != Mode::kRefusing) return false;
    stats_.refused_total++;
    return true;
  }
  bool waits() const { return mode_ == Mode::kSync || mode_ == Mode::kRefusing; }
  // The connected metaloggers whose acknowledgements count now: the N
  // with the highest versions. counted(v) says whether one at v is among them.
  bool counted(uint64_t acked) const;
  Stats stats(int64_t now_ms) const;
  Mode mode() const { return mode_; }

 private:
  void release(int64_t now_ms, bool all);
  void fall_back(int64_t now_ms, const char* why);

  struct Held {
    uint64_t version;
    int64_t since_ms;  // the caller's clock (timeouts)
    int64_t since_us;  // the steady clock (wait figures)
    std::function<void()> fn;
  };
  static int64_t now_us();
  Settings s_;
  Mode mode_ = Mode::kOff;
  std::deque<Held> held_;
  std::vector<uint64_t> acked_;  // sorted, highest first
  uint64_t synced_ = 0;
  int64_t short_since_ms_ = -1;  // fewer than N metaloggers connected since then
  Stats stats_;
};

}  // namespace antler::master

// File locks held across clients (flock and POSIX byte ranges) as the
// client core sees them: requests to the master, interruption of a waiting
// request, and the record of held locks that is re-claimed when the session
// is registered again (after a lost connection or a master restart).
//
// Thread-safe. Ranges are [start, end] inclusive; end UINT64_MAX reaches
// past the end of the file. Owners are the kernel's lock owners.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <thread>
#include <utility>

#include "common/msg/base.h"
#include "common/msg/client.h"
#include "common/mutex.h"
#include "common/status.h"

namespace antler::client {

class MasterLink;

// Lets another thread interrupt a waiting lock request (FUSE interrupts).
// fire() before the request was sent makes lock() return kInterrupted
// without sending it; after, it asks the master to cancel the wait.
class LockInterrupt {
 public:
  void fire() EXCLUDES(mu_);

 private:
  friend class LockClient;
  // Held while cancel_ runs (it sends through the MasterLink, whose
  // mutexes come after this one).
  Mutex mu_;
  bool sent_ GUARDED_BY(mu_) = false;
  bool fired_ GUARDED_BY(mu_) = false;
  std::function<void()> cancel_ GUARDED_BY(mu_);
};

// A conflicting lock reported by test().
struct LockInfo {
  uint8_t type = msg::kLockUnlock;  // kLockUnlock: none
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t pid = 0;
};

class LockClient {
 public:
  explicit LockClient(MasterLink& link);
  ~LockClient();

  // Sets (type kLockRead/kLockWrite) or clears (kLockUnlock) a lock. With
  // wait it blocks until granted; returns kOk, kAgain (conflict, no wait),
  // kDeadlock, kInterrupted (see LockInterrupt) or a connection failure.
  St lock(const msg::Cred& c, uint32_t inode, uint64_t owner, uint8_t kind, uint8_t type, uint64_t start, uint64_t end,
          uint32_t pid, bool wait, LockInterrupt* intr = nullptr) EXCLUDES(mu_);
  // F_GETLK for a POSIX lock of `type` on [start, end].
  St test(const msg::Cred& c, uint32_t inode, uint64_t owner, uint8_t type, uint64_t start, uint64_t end, uint32_t pid,
          LockInfo* out);
  // Whether this client holds any lock of (inode, owner, kind): close()
  // only asks the master to release locks that exist.
  bool holds(uint32_t inode, uint64_t owner, uint8_t kind) EXCLUDES(mu_);

 private:
  using Key = std::pair<uint32_t, uint64_t>;  // (inode, owner)
  struct Range {
    uint64_t end;
    uint8_t type;
    uint32_t pid;
  };
  void record(uint32_t inode, uint64_t owner, uint8_t kind, uint8_t type, uint64_t start, uint64_t end, uint32_t pid)
      EXCLUDES(mu_);
  void keeper() EXCLUDES(mu_);  // re-claims the held locks after the session is registered again
  void reclaim() EXCLUDES(mu_);

  MasterLink& link_;
  Mutex mu_;                                                        // a leaf: not held while talking to the master
  std::map<Key, Range> flocks_ GUARDED_BY(mu_);                     // (end unused)
  std::map<Key, std::map<uint64_t, Range>> posix_ GUARDED_BY(mu_);  // start -> range, non-overlapping
  CondVar cv_;                                                      // with mu_: stopping
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread keeper_;
};

}  // namespace antler::client

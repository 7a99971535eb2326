// File locks held across clients: flock(2) locks and POSIX (fcntl) byte-range
// locks, with waiters and POSIX deadlock detection. Pure logic, no I/O: the
// master's handlers (client_locks.cc) feed it requests and send the replies
// it produces. Locks are not metadata: nothing here is logged or saved.
//
// An owner is (session, owner id): the client passes the kernel's lock owner.
// flock locks and POSIX locks of one file are independent (as in Linux).
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "common/msg/client.h"
#include "common/status.h"

namespace antler::master {

struct LockRequest {
  uint64_t session = 0;
  uint64_t owner = 0;
  uint32_t inode = 0;
  uint8_t kind = msg::kLockPosix;   // msg::LockKind
  uint8_t type = msg::kLockUnlock;  // msg::LockType
  uint64_t start = 0;               // inclusive; POSIX only
  uint64_t end = UINT64_MAX;        // inclusive; POSIX only
  uint32_t pid = 0;
  bool wait = false;
  uint64_t token = 0;  // the caller's name for a waiting request (its reply)
};

struct HeldLock {
  uint64_t session = 0;
  uint64_t owner = 0;
  uint8_t type = msg::kLockRead;
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;
  uint32_t pid = 0;
};

// A waiting request that is now decided: granted (kOk), cancelled
// (kInterrupted) or refused (kDeadlock).
struct LockWakeup {
  uint64_t token = 0;
  St status = St::kOk;
};

class LockManager {
 public:
  // Applies r. Returns kOk (granted or unlocked), kAgain (conflict and not
  // r.wait), kDeadlock (a POSIX wait that would close a cycle), or kInval
  // (bad kind/type/range). *queued is set when r waits (r.token then names
  // it in a later LockWakeup). Unlocking may wake others: see take_wakeups().
  St lock(const LockRequest& r, bool* queued);
  // F_GETLK: true and *out when another owner's POSIX lock conflicts with r.
  bool test(const LockRequest& r, HeldLock* out) const;
  // Cancels the waiting requests of (session, inode, owner, kind): each
  // becomes a kInterrupted wakeup. Returns how many.
  size_t cancel(uint64_t session, uint32_t inode, uint64_t owner, uint8_t kind);
  // A session ended: drops all its locks and waiting requests (these become
  // kInterrupted wakeups) and grants what that frees.
  void release_session(uint64_t session);
  // Decided waiting requests since the last call, in order.
  std::vector<LockWakeup> take_wakeups();

  // ---- for listings and tests
  std::vector<HeldLock> locks(uint32_t inode, uint8_t kind) const;
  size_t waiting() const;
  bool session_has_locks(uint64_t session) const;

 private:
  struct Inode {
    std::vector<HeldLock> flocks;
    std::vector<HeldLock> posix;  // per owner: sorted, non-overlapping, merged
    std::deque<LockRequest> waiters;
    bool empty() const { return flocks.empty() && posix.empty() && waiters.empty(); }
  };
  // The first lock of another owner that conflicts with r, or nullptr.
  const HeldLock* conflict(const Inode& in, const LockRequest& r) const;
  void apply(Inode& in, const LockRequest& r);
  // Retries the waiters of inode ino in order after locks were released.
  void wake(uint32_t ino);
  // Would r, waiting, close a cycle of POSIX waiters?
  bool deadlock(const LockRequest& r) const;
  void drop_if_empty(uint32_t ino);

  std::unordered_map<uint32_t, Inode> inodes_;
  std::vector<LockWakeup> wakeups_;
};

}  // namespace antler::master

// The master's lock manager: flock and POSIX locks, waiters, deadlocks,
// sessions that end.
#include <gtest/gtest.h>

#include <set>

#include "daemons/master/sessions/lock_manager.h"

namespace antler::master {
namespace {

constexpr uint64_t kMax = UINT64_MAX;

LockRequest posix(uint64_t session, uint64_t owner, uint8_t type, uint64_t start, uint64_t end, bool wait = false,
                  uint64_t token = 0, uint32_t ino = 7) {
  LockRequest r;
  r.session = session;
  r.owner = owner;
  r.inode = ino;
  r.kind = msg::kLockPosix;
  r.type = type;
  r.start = start;
  r.end = end;
  r.pid = static_cast<uint32_t>(100 + owner);
  r.wait = wait;
  r.token = token;
  return r;
}

LockRequest flock(uint64_t session, uint64_t owner, uint8_t type, bool wait = false, uint64_t token = 0) {
  LockRequest r = posix(session, owner, type, 0, kMax, wait, token);
  r.kind = msg::kLockFlock;
  return r;
}

St set(LockManager& m, const LockRequest& r, bool* queued = nullptr) {
  bool q = false;
  St st = m.lock(r, &q);
  if (queued) *queued = q;
  else EXPECT_FALSE(q);
  return st;
}

// "[s,e]t" for each POSIX lock of inode 7 (t: r or w), owner order ignored.
std::string ranges(const LockManager& m) {
  std::string s;
  for (const HeldLock& l : m.locks(7, msg::kLockPosix)) {
    s += "[" + std::to_string(l.start) + "," + (l.end == kMax ? std::string("max") : std::to_string(l.end)) + "]" +
         (l.type == msg::kLockWrite ? "w" : "r");
  }
  return s;
}

TEST(Locks, FlockSharedAndExclusive) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockRead)), St::kOk);
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockRead)), St::kOk);  // shared with another session
  EXPECT_EQ(set(m, flock(2, 2, msg::kLockWrite)), St::kAgain);
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockUnlock)), St::kOk);
  EXPECT_EQ(set(m, flock(2, 2, msg::kLockWrite)), St::kAgain);  // session 2 owner 1 still shares
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockUnlock)), St::kOk);
  EXPECT_EQ(set(m, flock(2, 2, msg::kLockWrite)), St::kOk);
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockRead)), St::kAgain);
  // Same owner id in another session is another owner.
  EXPECT_EQ(set(m, flock(1, 2, msg::kLockRead)), St::kAgain);
  EXPECT_EQ(m.locks(7, msg::kLockFlock).size(), 1u);
}

TEST(Locks, FlockUpgradeAndDowngrade) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockRead)), St::kOk);
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockWrite)), St::kOk);  // sole holder: upgrade
  ASSERT_EQ(m.locks(7, msg::kLockFlock).size(), 1u);
  EXPECT_EQ(m.locks(7, msg::kLockFlock)[0].type, msg::kLockWrite);
  bool queued;
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockRead, true, 50), &queued), St::kOk);
  EXPECT_TRUE(queued);
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockRead)), St::kOk);  // downgrade lets the reader in
  auto w = m.take_wakeups();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].token, 50u);
  EXPECT_EQ(w[0].status, St::kOk);
  EXPECT_EQ(m.locks(7, msg::kLockFlock).size(), 2u);
}

TEST(Locks, FlockTwoSharedHoldersBothUpgrading) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockRead)), St::kOk);
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockRead)), St::kOk);
  bool q1, q2;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockWrite, true, 1), &q1), St::kOk);
  EXPECT_TRUE(q1);  // session 2 still shares
  // Session 1's shared lock went first, so session 2 upgrades at once
  // instead of both waiting for each other.
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockWrite, true, 2), &q2), St::kOk);
  EXPECT_FALSE(q2);
  EXPECT_TRUE(m.take_wakeups().empty());
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockUnlock)), St::kOk);
  auto w = m.take_wakeups();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].token, 1u);
  EXPECT_EQ(w[0].status, St::kOk);
}

TEST(Locks, FlockAndPosixAreIndependent) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockWrite)), St::kOk);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 0, kMax)), St::kOk);
}

TEST(Locks, PosixRangesConflictOnlyWhenOverlapping) {
  LockManager m;
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 0, 99)), St::kOk);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 100, 199)), St::kOk);  // disjoint
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 99, 100)), St::kAgain);
  EXPECT_EQ(set(m, posix(2, 2, msg::kLockRead, 50, 50)), St::kAgain);
  EXPECT_EQ(set(m, posix(1, 2, msg::kLockRead, 200, kMax)), St::kOk);
  EXPECT_EQ(set(m, posix(2, 3, msg::kLockRead, 300, 400)), St::kOk);  // reads share
  EXPECT_EQ(set(m, posix(2, 3, msg::kLockWrite, 300, 400)), St::kAgain);
  HeldLock h;
  EXPECT_TRUE(m.test(posix(2, 9, msg::kLockRead, 10, 20), &h));
  EXPECT_EQ(h.session, 1u);
  EXPECT_EQ(h.start, 0u);
  EXPECT_EQ(h.end, 99u);
  EXPECT_EQ(h.pid, 101u);
  EXPECT_EQ(h.type, msg::kLockWrite);
  EXPECT_FALSE(m.test(posix(1, 1, msg::kLockWrite, 10, 20), &h));   // its own lock
  EXPECT_FALSE(m.test(posix(2, 9, msg::kLockRead, 250, 260), &h));  // read vs read
}

TEST(Locks, PosixSplitAndMerge) {
  LockManager m;
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 0, 99)), St::kOk);
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockUnlock, 40, 59)), St::kOk);
  EXPECT_EQ(ranges(m), "[0,39]w[60,99]w");
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 40, 59)), St::kOk);  // the hole is free
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockUnlock, 0, kMax)), St::kOk);
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockRead, 20, 79)), St::kOk);  // type change in the middle
  EXPECT_EQ(ranges(m), "[0,19]w[20,79]r[80,99]w");
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 20, 79)), St::kOk);  // and back: one lock again
  EXPECT_EQ(ranges(m), "[0,99]w");
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 100, 149)), St::kOk);  // touching: merged
  EXPECT_EQ(ranges(m), "[0,149]w");
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 1000, kMax)), St::kOk);
  EXPECT_EQ(ranges(m), "[0,149]w[1000,max]w");
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockUnlock, 0, kMax)), St::kOk);
  EXPECT_EQ(ranges(m), "");
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 5, 4)), St::kInval);
}

TEST(Locks, PosixWaiterGrantedWhenRangeFrees) {
  LockManager m;
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 0, 99)), St::kOk);
  bool q;
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 50, 150, true, 77), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(m.waiting(), 1u);
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockUnlock, 0, 49)), St::kOk);  // not enough
  EXPECT_TRUE(m.take_wakeups().empty());
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockUnlock, 50, 99)), St::kOk);
  auto w = m.take_wakeups();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].token, 77u);
  EXPECT_EQ(w[0].status, St::kOk);
  EXPECT_EQ(m.waiting(), 0u);
  EXPECT_EQ(ranges(m), "[50,150]w");
}

TEST(Locks, PosixDeadlockDetected) {
  LockManager m;
  // A holds [0,9], B holds [10,19]; A waits for B's range; B asking for
  // A's range would wait for A: EDEADLK.
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 0, 9)), St::kOk);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 10, 19)), St::kOk);
  bool q;
  EXPECT_EQ(set(m, posix(1, 1, msg::kLockWrite, 10, 19, true, 1), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 0, 9, true, 2), &q), St::kDeadlock);
  EXPECT_FALSE(q);
  // A third owner waiting on A is no cycle.
  EXPECT_EQ(set(m, posix(3, 1, msg::kLockWrite, 0, 9, true, 3), &q), St::kOk);
  EXPECT_TRUE(q);
  // A cycle through three owners across two files: C holds file 8, B waits
  // for C, C asks for A's range (A waits for B).
  EXPECT_EQ(set(m, posix(4, 1, msg::kLockWrite, 0, 0, false, 0, 8)), St::kOk);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockWrite, 0, 0, true, 4, 8), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(set(m, posix(4, 1, msg::kLockWrite, 5, 5, true, 5), &q), St::kDeadlock);
}

TEST(Locks, CancelAnswersInterrupted) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockWrite)), St::kOk);
  bool q;
  EXPECT_EQ(set(m, flock(2, 5, msg::kLockWrite, true, 9), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(m.cancel(2, 7, 5, msg::kLockPosix), 0u);  // other kind
  EXPECT_EQ(m.cancel(2, 7, 5, msg::kLockFlock), 1u);
  auto w = m.take_wakeups();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].token, 9u);
  EXPECT_EQ(w[0].status, St::kInterrupted);
  EXPECT_EQ(m.waiting(), 0u);
}

TEST(Locks, SessionEndReleasesLocksAndWakesWaiters) {
  LockManager m;
  EXPECT_EQ(set(m, flock(1, 1, msg::kLockWrite)), St::kOk);
  EXPECT_EQ(set(m, posix(1, 2, msg::kLockWrite, 0, kMax)), St::kOk);
  EXPECT_EQ(set(m, posix(1, 2, msg::kLockRead, 0, 0, false, 0, 8)), St::kOk);
  bool q;
  EXPECT_EQ(set(m, flock(2, 1, msg::kLockRead, true, 10), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(set(m, posix(2, 1, msg::kLockRead, 5, 5, true, 11), &q), St::kOk);
  EXPECT_TRUE(q);
  EXPECT_EQ(set(m, posix(1, 3, msg::kLockWrite, 0, 0, true, 12, 9), &q), St::kOk);  // no conflict: granted
  EXPECT_FALSE(q);
  EXPECT_TRUE(m.session_has_locks(1));
  m.release_session(1);
  EXPECT_FALSE(m.session_has_locks(1));
  auto w = m.take_wakeups();
  ASSERT_EQ(w.size(), 2u);
  std::set<uint64_t> tokens{w[0].token, w[1].token};
  EXPECT_EQ(tokens, (std::set<uint64_t>{10, 11}));
  EXPECT_EQ(w[0].status, St::kOk);
  EXPECT_EQ(w[1].status, St::kOk);
  EXPECT_TRUE(m.session_has_locks(2));
  // Waiting requests of the session that ends are answered kInterrupted.
  EXPECT_EQ(set(m, flock(3, 1, msg::kLockWrite, true, 20), &q), St::kOk);
  EXPECT_TRUE(q);
  m.release_session(3);
  w = m.take_wakeups();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].status, St::kInterrupted);
  m.release_session(2);
  EXPECT_TRUE(m.locks(7, msg::kLockFlock).empty());
  EXPECT_TRUE(m.locks(7, msg::kLockPosix).empty());
}

}  // namespace
}  // namespace antler::master

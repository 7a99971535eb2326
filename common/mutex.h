// A mutex, its scoped guard and a condition variable that clang's
// thread-safety analysis understands (common/thread_annotations.h):
// libstdc++'s std::mutex carries no annotations.
//
//   Mutex mu_;
//   int n_ GUARDED_BY(mu_);
//   void inc() EXCLUDES(mu_) { MutexLock l(&mu_); n_++; }
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace antler {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Returns true iff the mutex was free and is now held by the caller.
  bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds *mu from construction to destruction.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Waiting for a condition on state guarded by a Mutex. Every waiter of one
// CondVar passes the same Mutex. Wakeups may be spurious: wait in a loop,
//   while (!ready_) cv_.Wait(mu_);
// (a predicate lambda would hide the guarded reads from the analysis).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases mu, waits for a signal, and holds mu again on return.
  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> l(mu.mu_, std::adopt_lock);
    cv_.wait(l);
    l.release();  // still held: the caller's lock
  }
  // As Wait, for at most `timeout`. Returns false iff it timed out.
  bool WaitFor(Mutex& mu, std::chrono::milliseconds timeout) REQUIRES(mu) {
    std::unique_lock<std::mutex> l(mu.mu_, std::adopt_lock);
    bool signalled = cv_.wait_for(l, timeout) == std::cv_status::no_timeout;
    l.release();
    return signalled;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace antler

#include "daemons/master/sessions/lock_manager.h"

#include <algorithm>
#include <set>
#include <utility>

namespace antler::master {

namespace {

using Owner = std::pair<uint64_t, uint64_t>;  // (session, owner)

bool same_owner(const HeldLock& l, const LockRequest& r) { return l.session == r.session && l.owner == r.owner; }
bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2) { return s1 <= e2 && s2 <= e1; }
// [s1, e1] ends right before [s2, e2] starts.
bool touches(uint64_t e1, uint64_t s2) { return e1 != UINT64_MAX && e1 + 1 == s2; }
bool conflicts(uint8_t a, uint8_t b) { return a == msg::kLockWrite || b == msg::kLockWrite; }

}  // namespace

const HeldLock* LockManager::conflict(const Inode& in, const LockRequest& r) const {
  if (r.type == msg::kLockUnlock) return nullptr;
  const auto& list = r.kind == msg::kLockFlock ? in.flocks : in.posix;
  for (const HeldLock& l : list) {
    if (same_owner(l, r) || !conflicts(l.type, r.type)) continue;
    if (r.kind == msg::kLockPosix && !overlaps(l.start, l.end, r.start, r.end)) continue;
    return &l;
  }
  return nullptr;
}

void LockManager::apply(Inode& in, const LockRequest& r) {
  if (r.kind == msg::kLockFlock) {
    std::erase_if(in.flocks, [&](const HeldLock& l) { return same_owner(l, r); });
    if (r.type != msg::kLockUnlock) in.flocks.push_back({r.session, r.owner, r.type, 0, UINT64_MAX, r.pid});
    return;
  }
  // Cut [start, end] out of the owner's locks, keeping what lies outside.
  std::vector<HeldLock> next;
  next.reserve(in.posix.size() + 2);
  for (const HeldLock& l : in.posix) {
    if (!same_owner(l, r) || !overlaps(l.start, l.end, r.start, r.end)) {
      next.push_back(l);
      continue;
    }
    if (l.start < r.start) {
      HeldLock left = l;
      left.end = r.start - 1;
      next.push_back(left);
    }
    if (l.end > r.end) {
      HeldLock right = l;
      right.start = r.end + 1;
      next.push_back(right);
    }
  }
  if (r.type != msg::kLockUnlock) {
    // Merge with the owner's locks of the same type that overlap or touch.
    HeldLock n{r.session, r.owner, r.type, r.start, r.end, r.pid};
    std::erase_if(next, [&](const HeldLock& l) {
      if (!same_owner(l, r) || l.type != n.type) return false;
      if (!touches(l.end, n.start) && !touches(n.end, l.start) && !overlaps(l.start, l.end, n.start, n.end))
        return false;
      n.start = std::min(n.start, l.start);
      n.end = std::max(n.end, l.end);
      return true;
    });
    next.push_back(n);
  }
  std::sort(next.begin(), next.end(), [](const HeldLock& a, const HeldLock& b) { return a.start < b.start; });
  in.posix = std::move(next);
}

bool LockManager::deadlock(const LockRequest& r) const {
  // Depth-first over "waits for" edges: r's owner waits for the owners of
  // the locks blocking r; an owner that is itself waiting waits for the
  // owners blocking its request. A path back to r's owner is a deadlock.
  const Owner me{r.session, r.owner};
  std::set<Owner> seen;
  std::vector<const LockRequest*> stack{&r};
  while (!stack.empty()) {
    const LockRequest* w = stack.back();
    stack.pop_back();
    auto it = inodes_.find(w->inode);
    if (it == inodes_.end()) continue;
    for (const HeldLock& l : it->second.posix) {
      if (same_owner(l, *w) || !conflicts(l.type, w->type) || !overlaps(l.start, l.end, w->start, w->end)) continue;
      Owner o{l.session, l.owner};
      if (o == me) return true;
      if (!seen.insert(o).second) continue;
      for (const auto& [ino, in] : inodes_)
        for (const LockRequest& q : in.waiters)
          if (q.kind == msg::kLockPosix && q.session == o.first && q.owner == o.second) stack.push_back(&q);
    }
  }
  return false;
}

St LockManager::lock(const LockRequest& r, bool* queued) {
  *queued = false;
  if (r.kind != msg::kLockFlock && r.kind != msg::kLockPosix) return St::kInval;
  if (r.type != msg::kLockRead && r.type != msg::kLockWrite && r.type != msg::kLockUnlock) return St::kInval;
  if (r.kind == msg::kLockPosix && r.start > r.end) return St::kInval;
  Inode& in = inodes_[r.inode];
  if (r.type == msg::kLockUnlock) {
    apply(in, r);
    wake(r.inode);
    drop_if_empty(r.inode);
    return St::kOk;
  }
  if (!conflict(in, r)) {
    apply(in, r);
    wake(r.inode);  // a downgrade (write to read) may free others
    return St::kOk;
  }
  if (!r.wait) {
    drop_if_empty(r.inode);
    return St::kAgain;
  }
  if (r.kind == msg::kLockPosix && deadlock(r)) {
    drop_if_empty(r.inode);
    return St::kDeadlock;
  }
  if (r.kind == msg::kLockFlock) {
    // Converting a held flock lock is not atomic (as in Linux): the old
    // lock goes first, so two holders of a shared lock that both ask for an
    // exclusive one do not wait for each other forever.
    LockRequest un = r;
    un.type = msg::kLockUnlock;
    apply(in, un);
    wake(r.inode);
  }
  inodes_[r.inode].waiters.push_back(r);
  *queued = true;
  return St::kOk;
}

void LockManager::wake(uint32_t ino) {
  auto it = inodes_.find(ino);
  if (it == inodes_.end()) return;
  Inode& in = it->second;
  for (bool granted = true; granted;) {
    granted = false;
    for (auto w = in.waiters.begin(); w != in.waiters.end();) {
      if (conflict(in, *w)) {
        ++w;
        continue;
      }
      apply(in, *w);
      wakeups_.push_back({w->token, St::kOk});
      w = in.waiters.erase(w);
      granted = true;
    }
  }
}

bool LockManager::test(const LockRequest& r, HeldLock* out) const {
  auto it = inodes_.find(r.inode);
  if (it == inodes_.end()) return false;
  const HeldLock* l = conflict(it->second, r);
  if (!l) return false;
  *out = *l;
  return true;
}

size_t LockManager::cancel(uint64_t session, uint32_t inode, uint64_t owner, uint8_t kind) {
  auto it = inodes_.find(inode);
  if (it == inodes_.end()) return 0;
  size_t n = 0;
  std::erase_if(it->second.waiters, [&](const LockRequest& w) {
    if (w.session != session || w.owner != owner || w.kind != kind) return false;
    wakeups_.push_back({w.token, St::kInterrupted});
    n++;
    return true;
  });
  drop_if_empty(inode);
  return n;
}

void LockManager::release_session(uint64_t session) {
  std::vector<uint32_t> touched;
  for (auto& [ino, in] : inodes_) {
    size_t before = in.flocks.size() + in.posix.size() + in.waiters.size();
    std::erase_if(in.flocks, [&](const HeldLock& l) { return l.session == session; });
    std::erase_if(in.posix, [&](const HeldLock& l) { return l.session == session; });
    std::erase_if(in.waiters, [&](const LockRequest& w) {
      if (w.session != session) return false;
      wakeups_.push_back({w.token, St::kInterrupted});
      return true;
    });
    if (in.flocks.size() + in.posix.size() + in.waiters.size() != before) touched.push_back(ino);
  }
  for (uint32_t ino : touched) {
    wake(ino);
    drop_if_empty(ino);
  }
}

std::vector<LockWakeup> LockManager::take_wakeups() { return std::exchange(wakeups_, {}); }

std::vector<HeldLock> LockManager::locks(uint32_t inode, uint8_t kind) const {
  auto it = inodes_.find(inode);
  if (it == inodes_.end()) return {};
  return kind == msg::kLockFlock ? it->second.flocks : it->second.posix;
}

size_t LockManager::waiting() const {
  size_t n = 0;
  for (const auto& [ino, in] : inodes_) n += in.waiters.size();
  return n;
}

bool LockManager::session_has_locks(uint64_t session) const {
  for (const auto& [ino, in] : inodes_) {
    for (const HeldLock& l : in.flocks)
      if (l.session == session) return true;
    for (const HeldLock& l : in.posix)
      if (l.session == session) return true;
  }
  return false;
}

void LockManager::drop_if_empty(uint32_t ino) {
  auto it = inodes_.find(ino);
  if (it != inodes_.end() && it->second.empty()) inodes_.erase(it);
}

}  // namespace antler::master

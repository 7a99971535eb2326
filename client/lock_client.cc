#include "client/lock_client.h"

#include <chrono>

#include "client/master_link.h"
#include "common/log.h"

namespace antler::client {

void LockInterrupt::fire() {
  MutexLock l(&mu_);
  fired_ = true;
  if (sent_ && cancel_) cancel_();
}

LockClient::LockClient(MasterLink& link) : link_(link) {
  keeper_ = std::thread([this] { keeper(); });
}

LockClient::~LockClient() {
  {
    MutexLock l(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  keeper_.join();
}

St LockClient::lock(const msg::Cred& c, uint32_t inode, uint64_t owner, uint8_t kind, uint8_t type, uint64_t start,
                    uint64_t end, uint32_t pid, bool wait, LockInterrupt* intr) {
  msg::ClLock m{0, c, inode, owner, kind, type, start, end, pid, wait, false};
  std::function<void()> sent;
  if (intr) {
    MutexLock l(&intr->mu_);
    if (intr->fired_) return St::kInterrupted;
    intr->cancel_ = [this, inode, owner, kind] { link_.post(msg::ClLockCancel{0, inode, owner, kind}); };
    sent = [intr] {
      MutexLock l(&intr->mu_);
      intr->sent_ = true;
      if (intr->fired_) intr->cancel_();
    };
  }
  msg::ClStatusReply r;
  St st = link_.call(m, &r, sent);
  if (st == St::kOk) st = r.status;
  // An unlock is recorded even when the master could not be told: the lock
  // is not re-claimed then, and the master drops it with the session.
  if (st == St::kOk || type == msg::kLockUnlock) record(inode, owner, kind, type, start, end, pid);
  return st;
}

St LockClient::test(const msg::Cred& c, uint32_t inode, uint64_t owner, uint8_t type, uint64_t start, uint64_t end,
                    uint32_t pid, LockInfo* out) {
  msg::ClGetLockReply r;
  St st = link_.call(msg::ClGetLock{0, c, inode, owner, type, start, end, pid}, &r);
  if (st != St::kOk) return st;
  if (r.status != St::kOk) return r.status;
  *out = LockInfo{r.type, r.start, r.end, r.pid};
  return St::kOk;
}

bool LockClient::holds(uint32_t inode, uint64_t owner, uint8_t kind) {
  MutexLock l(&mu_);
  if (kind == msg::kLockFlock) return flocks_.count({inode, owner}) != 0;
  return posix_.count({inode, owner}) != 0;
}

void LockClient::record(uint32_t inode, uint64_t owner, uint8_t kind, uint8_t type, uint64_t start, uint64_t end,
                        uint32_t pid) {
  MutexLock l(&mu_);
  Key k{inode, owner};
  if (kind == msg::kLockFlock) {
    if (type == msg::kLockUnlock) flocks_.erase(k);
    else flocks_[k] = Range{UINT64_MAX, type, pid};
    return;
  }
  auto& ranges = posix_[k];
  // Cut [start, end] out, then add it (neighbours are not merged here: the
  // master merges, and re-claiming pieces gives the same coverage).
  std::map<uint64_t, Range> next;
  for (const auto& [s, r] : ranges) {
    if (r.end < start || s > end) {
      next[s] = r;
      continue;
    }
    if (s < start) next[s] = Range{start - 1, r.type, r.pid};
    if (r.end > end) next[end + 1] = Range{r.end, r.type, r.pid};
  }
  if (type != msg::kLockUnlock) next[start] = Range{end, type, pid};
  if (next.empty()) posix_.erase(k);
  else ranges = std::move(next);
}

void LockClient::keeper() {
  uint64_t seen = link_.generation();
  for (;;) {
    bool none;
    {
      MutexLock l(&mu_);
      if (!stop_) cv_.WaitFor(mu_, std::chrono::milliseconds(500));
      if (stop_) return;
      none = flocks_.empty() && posix_.empty();
    }
    if (!link_.connected()) {
      // Reconnect now, not at the next file operation: locks must be
      // re-claimed within the master's grace period, and an idle mount
      // should be back with the master (a restarted or promoted one) as
      // soon as it serves, not when an application next asks.
      link_.try_reconnect();
    }
    if (none) {
      seen = link_.generation();  // nothing to re-claim from this connection
      continue;
    }
    uint64_t now = link_.generation();
    if (now != seen) {
      seen = now;
      reclaim();
    }
  }
}

void LockClient::reclaim() {
  std::map<Key, Range> flocks;
  std::map<Key, std::map<uint64_t, Range>> posix;
  {
    MutexLock l(&mu_);
    flocks = flocks_;
    posix = posix_;
  }
  size_t n = 0, lost = 0;
  auto claim = [&](uint32_t inode, uint64_t owner, uint8_t kind, const Range& rg, uint64_t start) {
    msg::ClStatusReply r;
    St st = link_.call(msg::ClLock{0, {}, inode, owner, kind, rg.type, start, rg.end, rg.pid, false, true}, &r);
    if (st == St::kOk) st = r.status;
    n++;
    if (st != St::kOk) {
      lost++;
      log::warn("lock on inode {} (owner {:x}) could not be re-claimed: {}", inode, owner, to_string(st));
    }
  };
  for (const auto& [k, r] : flocks) claim(k.first, k.second, msg::kLockFlock, r, 0);
  for (const auto& [k, ranges] : posix)
    for (const auto& [s, r] : ranges) claim(k.first, k.second, msg::kLockPosix, r, s);
  if (n) log::info("session registered again: {} file locks re-claimed, {} lost", n - lost, lost);
}

}  // namespace antler::client

#include "client/fuse/fuse_locks.h"

#include <sys/file.h>

#include <cerrno>
#include <climits>

#include "client/lock_client.h"
#include "common/log.h"

namespace antler::mount {

namespace {

void interrupted(fuse_req_t, void* data) { static_cast<client::LockInterrupt*>(data)->fire(); }

// Sends a lock request that may wait; a FUSE interrupt cancels the wait.
St lock_waiting(fuse_req_t req, fuse_ino_t ino, uint64_t owner, uint8_t kind, uint8_t type, uint64_t start,
                uint64_t end, uint32_t pid, bool wait) {
  client::LockClient& locks = fs_of(req)->client->locks();
  msg::Cred c = cred_of(req);
  if (!wait) return locks.lock(c, static_cast<uint32_t>(ino), owner, kind, type, start, end, pid, false);
  client::LockInterrupt intr;
  fuse_req_interrupt_func(req, interrupted, &intr);
  St st = locks.lock(c, static_cast<uint32_t>(ino), owner, kind, type, start, end, pid, true, &intr);
  // Waits for a running interrupted() before intr goes out of scope.
  fuse_req_interrupt_func(req, nullptr, nullptr);
  return st;
}

}  // namespace

bool flock_range(const struct flock& l, uint64_t* start, uint64_t* end) {
  if (l.l_start < 0 || l.l_len < 0) return false;
  *start = static_cast<uint64_t>(l.l_start);
  if (l.l_len == 0) {
    *end = UINT64_MAX;
    return true;
  }
  *end = *start + static_cast<uint64_t>(l.l_len) - 1;  // both below 2^63: no overflow
  return true;
}

void range_to_flock(uint64_t start, uint64_t end, struct flock* l) {
  l->l_whence = SEEK_SET;
  l->l_start = static_cast<off_t>(std::min<uint64_t>(start, LLONG_MAX));
  if (end >= static_cast<uint64_t>(LLONG_MAX)) l->l_len = 0;
  else l->l_len = static_cast<off_t>(end - start + 1);
}

uint8_t lock_type(short l_type) {
  switch (l_type) {
    case F_RDLCK: return msg::kLockRead;
    case F_WRLCK: return msg::kLockWrite;
    case F_UNLCK: return msg::kLockUnlock;
    default: return 0;
  }
}

short flock_type(uint8_t type) {
  switch (type) {
    case msg::kLockRead: return F_RDLCK;
    case msg::kLockWrite: return F_WRLCK;
    default: return F_UNLCK;
  }
}

void op_getlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock) {
  uint64_t start, end;
  uint8_t type = lock_type(lock->l_type);
  if (!flock_range(*lock, &start, &end) || (type != msg::kLockRead && type != msg::kLockWrite)) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  client::LockInfo info;
  St st = fs_of(req)->client->locks().test(cred_of(req), static_cast<uint32_t>(ino), fi->lock_owner, type, start, end,
                                           static_cast<uint32_t>(lock->l_pid), &info);
  if (st != St::kOk) {
    fuse_reply_err(req, to_errno(st));
    return;
  }
  struct flock out = *lock;
  out.l_type = flock_type(info.type);
  if (info.type != msg::kLockUnlock) {
    range_to_flock(info.start, info.end, &out);
    out.l_pid = static_cast<pid_t>(info.pid);
  }
  fuse_reply_lock(req, &out);
}

void op_setlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock, int sleep) {
  uint64_t start, end;
  uint8_t type = lock_type(lock->l_type);
  if (!flock_range(*lock, &start, &end) || type == 0) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  St st = lock_waiting(req, ino, fi->lock_owner, msg::kLockPosix, type, start, end, static_cast<uint32_t>(lock->l_pid),
                       sleep != 0 && type != msg::kLockUnlock);
  fuse_reply_err(req, to_errno(st));
}

void op_flock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op) {
  uint8_t type;
  switch (op & (LOCK_SH | LOCK_EX | LOCK_UN)) {
    case LOCK_SH: type = msg::kLockRead; break;
    case LOCK_EX: type = msg::kLockWrite; break;
    case LOCK_UN: type = msg::kLockUnlock; break;
    default: fuse_reply_err(req, EINVAL); return;
  }
  const fuse_ctx* ctx = fuse_req_ctx(req);
  St st = lock_waiting(req, ino, fi->lock_owner, msg::kLockFlock, type, 0, UINT64_MAX, static_cast<uint32_t>(ctx->pid),
                       !(op & LOCK_NB) && type != msg::kLockUnlock);
  fuse_reply_err(req, to_errno(st));
}

void release_posix_locks(Fs* fs, fuse_ino_t ino, const fuse_file_info* fi) {
  if (!fs->posix_locks) return;
  client::LockClient& locks = fs->client->locks();
  uint32_t inode = static_cast<uint32_t>(ino);
  if (!locks.holds(inode, fi->lock_owner, msg::kLockPosix)) return;
  St st = locks.lock({}, inode, fi->lock_owner, msg::kLockPosix, msg::kLockUnlock, 0, UINT64_MAX, 0, false);
  if (st != St::kOk) log::warn("close of inode {}: its POSIX locks were not released: {}", ino, to_string(st));
}

void release_flock(Fs* fs, fuse_ino_t ino, const fuse_file_info* fi) {
  if (!fs->bsd_locks) return;
  client::LockClient& locks = fs->client->locks();
  uint32_t inode = static_cast<uint32_t>(ino);
  if (!locks.holds(inode, fi->lock_owner, msg::kLockFlock)) return;
  St st = locks.lock({}, inode, fi->lock_owner, msg::kLockFlock, msg::kLockUnlock, 0, UINT64_MAX, 0, false);
  if (st != St::kOk) log::warn("last close of inode {}: its flock lock was not released: {}", ino, to_string(st));
}

}  // namespace antler::mount

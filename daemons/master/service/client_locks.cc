// File locks and O_APPEND on port 9421: ClLock, ClLockCancel, ClGetLock,
// ClAppend; waiting lock requests, the start-up grace period in which clients
// re-claim their locks, and sessions that stay away too long.
#include "daemons/master/service/client_ops.h"

namespace antler::master {

void ClientOps::defer(uint32_t type) { m_.lock_deferred_.push_back({link_, type, std::string(payload_)}); }

void ClientOps::lock(const msg::ClLock& m) {
  if (!m.reclaim && m_.in_lock_grace()) return defer(msg::ClLock::kType);
  uint32_t ino = in(m.inode);
  if (!m_.fs_.node(ino)) return status(m.req, St::kNoEnt);
  LockRequest r{sess_->id, m.owner, ino, m.kind, m.type, m.start, m.end, m.pid, m.wait && !m.reclaim, 0};
  if (r.wait) r.token = m_.next_lock_token_++;
  bool queued = false;
  St st = m_.locks_.lock(r, &queued);
  if (queued) m_.lock_waits_[r.token] = {link_, m.req, ino, m.owner, m.kind};
  else status(m.req, st);
  if (m.reclaim && st != St::kOk) {
    log::warn("client {}: session {:016x} could not re-claim its lock on inode {}: {}", link_->peer, sess_->id, ino,
              to_string(st));
  }
  m_.send_lock_wakeups();
}

void ClientOps::lock_cancel(const msg::ClLockCancel& m) {
  // The request it cancels may itself be waiting for the grace period.
  if (m_.in_lock_grace()) return defer(msg::ClLockCancel::kType);
  m_.locks_.cancel(sess_->id, in(m.inode), m.owner, m.kind);
  m_.send_lock_wakeups();
  status(m.req, St::kOk);
}

void ClientOps::get_lock(const msg::ClGetLock& m) {
  if (m_.in_lock_grace()) return defer(msg::ClGetLock::kType);
  uint32_t ino = in(m.inode);
  msg::ClGetLockReply r{m.req, St::kOk, msg::kLockUnlock, 0, 0, 0};
  HeldLock h;
  LockRequest q{sess_->id, m.owner, ino, msg::kLockPosix, m.type, m.start, m.end, m.pid, false, 0};
  if (!m_.fs_.node(ino)) r.status = St::kNoEnt;
  else if ((m.type != msg::kLockRead && m.type != msg::kLockWrite) || m.start > m.end) r.status = St::kInval;
  else if (m_.locks_.test(q, &h)) {
    r.type = h.type;
    r.start = h.start;
    r.end = h.end;
    r.pid = h.pid;
  }
  reply(r);
}

void ClientOps::append(const msg::ClAppend& m) {
  constexpr uint64_t kMaxLength = msg::kMaxFileLength;
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  msg::ClAppendReply r{m.req, St::kOk, 0};
  if (sess_->rule.readonly) r.status = St::kRoFs;
  else if (!n) r.status = St::kNoEnt;
  else if (n->type != msg::kFile) r.status = St::kInval;
  else if (!opened_for(ino, kW)) r.status = St::kAccess;
  else if (n->eattr & msg::kEattrImmutable) r.status = St::kPerm;
  else if (m.length > kMaxLength || n->length > kMaxLength - m.length) r.status = St::kTooBig;
  else if (m.length > 0) {
    uint64_t end = n->length + m.length;
    r.status = file_may_grow(*n, end, static_cast<uint32_t>((end - 1) / msg::kChunkSize));
  }
  if (r.status != St::kOk) return reply(r);
  r.offset = n->length;
  if (m.length > 0) r.status = m_.commit(OpWrite{ino, n->length + m.length});
  reply(r);
}

void Master::send_lock_wakeups() {
  for (const LockWakeup& w : locks_.take_wakeups()) {
    auto it = lock_waits_.find(w.token);
    if (it == lock_waits_.end()) continue;
    reply_synced(it->second.link, net::frame(msg::ClStatusReply{it->second.req, w.status, {}}));
    lock_waits_.erase(it);
  }
}

void Master::on_client_close(const LinkPtr& link) {
  if (!link->ctx) return;
  auto& ctx = *std::static_pointer_cast<ClientCtx>(link->ctx);
  Session* s = sessions_.find(ctx.session);
  if (!s) return;
  SessionTable::link_closed(*s, loop_.now_ms());
  // Requests waiting on this connection cannot be answered: the client
  // sends them again after it reconnects.
  std::vector<LockWait> gone;
  for (const auto& [token, w] : lock_waits_)
    if (w.link == link) gone.push_back(w);
  for (const LockWait& w : gone) locks_.cancel(ctx.session, w.inode, w.owner, w.kind);
  send_lock_wakeups();
}

void Master::lock_tick() {
  int64_t now = loop_.now_ms();
  int64_t timeout = settings_.session_lock_timeout_s * 1000;
  sessions_.for_each([&](Session& s) {
    if (s.links != 0 || s.gone_ms == 0 || s.locks_released || now - s.gone_ms < timeout) return;
    uint64_t id = s.id;
    int64_t away_s = (now - s.gone_ms) / 1000;
    s.locks_released = true;
    if (!locks_.session_has_locks(id)) return;
    log::info("session {:016x} ({}) disconnected for {} s: its file locks are released", id, s.info, away_s);
    locks_.release_session(id);
  });
  send_lock_wakeups();
}

}  // namespace antler::master

// Quotas: the mfs*quota tools' request, and the checks every growing
// operation makes before it is committed.
#include "daemons/master/service/client_ops.h"

namespace antler::master {

St ClientOps::quota_allows(uint32_t dir, const Usage& grow, uint32_t except) const {
  return m_.fs_.quota_allows(dir, grow, Store::now_ns(), default_grace(), except);
}

St ClientOps::file_may_grow(const Node& f, uint64_t length, uint32_t index) const {
  if (m_.fs_.quotas().empty()) return St::kOk;
  Usage grow = m_.fs_.file_usage_if(f, std::max(length, f.length), index);
  grow.add(m_.fs_.usage(f), -1);
  for (uint32_t p : m_.fs_.parents(f))
    if (St st = quota_allows(p, grow); st != St::kOk) return st;
  return St::kOk;
}

uint32_t ClientOps::default_grace() const { return m_.settings_.quota_default_grace_period_s; }

void ClientOps::quota(const msg::ClQuota& m) {
  msg::Cred c = map(m.cred);
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  msg::ClQuotaReply r{m.req, St::kOk, {}, 0, default_grace(), -1, {}};
  St st = St::kOk;
  if (!n) st = St::kNoEnt;
  else if (n->type != msg::kDir) st = St::kNotDir;
  else if (m.op > msg::kQuotaDel || (m.op == msg::kQuotaSet && m.limits.size() != msg::kQuotaSlots)) st = St::kInval;
  else if (m.op != msg::kQuotaGet) {
    // As MooseFS: quotas are the administrator's (root on an export with admin).
    if (sess_->rule.readonly) st = St::kRoFs;
    else if (!admin() || c.uid != 0) st = St::kPerm;
  }
  if (st == St::kOk && m.op != msg::kQuotaGet) {
    Quota q;
    if (const Quota* cur = m_.fs_.quota(ino)) q = *cur;
    for (uint32_t k = 0; k < msg::kQuotaSlots; k++) {
      if (!(m.mask & (1u << k))) continue;
      uint64_t v = m.op == msg::kQuotaSet ? m.limits[k] : 0;
      (k < 4 ? q.soft[k] : q.hard[k - 4]) = v;
    }
    if (m.set_grace) q.grace_s = m.grace;
    st = m_.commit(OpSetQuota{ino, q.soft[0], q.soft[1], q.soft[2], q.soft[3], q.hard[0], q.hard[1], q.hard[2],
                              q.hard[3], q.grace_s});
  }
  r.status = st;
  if (st != St::kOk) return reply(r);
  n = m_.fs_.node(ino);
  const Usage& u = n->children->usage;
  r.usage = {static_cast<uint64_t>(u.inodes), static_cast<uint64_t>(u.length), static_cast<uint64_t>(u.size),
             static_cast<uint64_t>(u.realsize)};
  r.limits.assign(msg::kQuotaSlots, 0);
  if (const Quota* q = m_.fs_.quota(ino)) {
    for (uint32_t k = 0; k < 4; k++) {
      r.limits[k] = q->soft[k];
      r.limits[4 + k] = q->hard[k];
    }
    r.grace = q->grace_s;
    if (q->exceeded_ns) r.exceeded_s = (Store::now_ns() - q->exceeded_ns) / 1000000000;
  }
  reply(r);
}

}  // namespace antler::master

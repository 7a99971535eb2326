#include "daemons/master/service/cs_commander.h"

#include <vector>

namespace antler::master {

const LinkPtr* CsCommander::begin(uint32_t cs, Done& done, uint32_t* op_out) {
  auto link = links_.find(cs);
  if (link == links_.end() || !link->second->open()) {
    done(St::kDisconnected, 0);
    return nullptr;
  }
  uint32_t op = next_op_++;
  if (next_op_ == 0) next_op_ = 1;
  *op_out = op;
  pending_[op] = {cs, std::move(done)};
  return &link->second;
}

void CsCommander::dispatch(LinkPtr link, uint32_t op, std::string frame) {
  if (!gate_) {
    link->send(std::move(frame));
    return start_timeout(op);
  }
  gate_([this, link = std::move(link), op, frame = std::move(frame)]() mutable {
    if (!pending_.count(op)) return;  // its server went meanwhile (detach ran done)
    link->send(std::move(frame));
    start_timeout(op);
  });
}

void CsCommander::start_timeout(uint32_t op) {
  after_(timeout_ms_, [this, op] {
    auto p = pending_.find(op);
    if (p == pending_.end()) return;
    Done cb = std::move(p->second.second);
    pending_.erase(p);
    cb(St::kTimeout, 0);
  });
}

bool CsCommander::complete(uint32_t cs, uint32_t op, St status, uint32_t version) {
  auto it = pending_.find(op);
  if (it == pending_.end() || it->second.first != cs) return false;
  Done cb = std::move(it->second.second);
  pending_.erase(it);
  cb(status, version);
  return true;
}

bool CsCommander::detach(uint32_t cs, const LinkPtr& link) {
  auto l = links_.find(cs);
  if (l == links_.end() || l->second != link) return false;
  links_.erase(l);
  std::vector<uint32_t> dead;
  for (const auto& [op, p] : pending_)
    if (p.first == cs) dead.push_back(op);
  for (uint32_t op : dead) {
    auto it = pending_.find(op);
    if (it == pending_.end()) continue;  // an earlier done's callback finished it
    Done cb = std::move(it->second.second);
    pending_.erase(it);
    cb(St::kDisconnected, 0);
  }
  return true;
}

}  // namespace antler::master

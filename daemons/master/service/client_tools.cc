// Requests of the mfs* tools (goal, trash time, eattr, snapshots, append
// chunks) and of the meta mount (trash and sustained listings, undelete,
// purge). They reach the master through a mount's control file, with the
// caller's credentials as the kernel reported them.
#include <algorithm>

#include "daemons/master/service/client_ops.h"
#include "daemons/master/store/store.h"

namespace antler::master {

namespace {

void count(std::vector<msg::ValueCount>& v, uint32_t value) {
  auto it =
      std::lower_bound(v.begin(), v.end(), value, [](const msg::ValueCount& a, uint32_t b) { return a.value < b; });
  if (it == v.end() || it->value != value) it = v.insert(it, {value, 0});
  it->count++;
}

}  // namespace

void ClientOps::tool_get(const msg::ClToolGet& m) {
  msg::ClToolGetReply r{m.req, St::kOk, 0, {}, {}};
  const Node* n = m_.fs_.node(in(m.inode));
  if (!n) r.status = St::kNoEnt;
  else if (m.what < msg::kAttrGoal || m.what > msg::kAttrEattr) r.status = St::kInval;
  if (r.status != St::kOk) return reply(r);
  r.value = Fs::attrib(*n, m.what);
  if (m.recursive) {
    std::vector<const Node*> todo{n};
    while (!todo.empty()) {
      const Node* x = todo.back();
      todo.pop_back();
      count(x->type == msg::kDir ? r.dirs : r.files, Fs::attrib(*x, m.what));
      if (x->children)
        for (const auto& [name, id] : *x->children) todo.push_back(m_.fs_.node(id));
    }
  }
  reply(r);
}

void ClientOps::tool_set(const msg::ClToolSet& m) {
  msg::Cred c = map(m.cred);
  msg::ClToolSetReply r{m.req, St::kOk, 0, 0, 0, 0};
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  Disable kind = m.what == msg::kAttrGoal        ? Disable::kSetgoal
                 : m.what == msg::kAttrTrashtime ? Disable::kSettrash
                                                 : Disable::kSeteattr;
  if (!n) r.status = St::kNoEnt;
  else if (St st = writable(kind); st != St::kOk) r.status = st;
  // The export's goal and trash time ranges (mingoal=, maxtrashtime=, ...).
  else if (m.what == msg::kAttrGoal && m.value <= 255 && !goal_allowed(static_cast<uint8_t>(m.value)))
    r.status = St::kPerm;
  else if (m.what == msg::kAttrTrashtime && !trashtime_allowed(m.value)) r.status = St::kPerm;
  if (r.status != St::kOk) return reply(r);
  St st = m_.commit(OpSetAttrib{ino, c.uid, m.what, m.value, m.mode, m.recursive});
  r.status = st;
  if (st == St::kOk) {
    const SetResult& s = m_.fs_.last_set();
    r.changed = s.changed;
    r.not_changed = s.not_changed;
    r.not_permitted = s.not_permitted;
    r.value = Fs::attrib(*m_.fs_.node(ino), m.what);
  }
  reply(r);
}

void ClientOps::snapshot(const msg::ClSnapshot& m) {
  msg::Cred c = map(m.cred);
  uint32_t src = in(m.src), parent = in(m.dst_parent);
  const Node* p = nullptr;
  St st = dir_write_check(parent, c, &p, Disable::kSnapshot);
  if (st != St::kOk) return status(m.req, st);
  const Node* s = m_.fs_.node(src);
  if (!s) return status(m.req, St::kNoEnt);
  if (!may(*s, c, s->type == msg::kDir ? (kR | kX) : kR)) return status(m.req, St::kAccess);
  if (uint32_t existing = m_.fs_.child(parent, m.name); existing && m_.is_open(existing))
    return status(m.req, St::kAgain);  // an open file cannot be replaced by a snapshot
  if ((st = quota_allows(parent, m_.fs_.usage(*s))) != St::kOk) return status(m.req, st);
  status(m.req, m_.commit(OpSnapshot{src, parent, m.name, m_.fs_.next_inode(), m.flags, c.uid, c.gid,
                                     static_cast<uint16_t>(m.umask & 0777)}));
}

void ClientOps::append_chunks(const msg::ClAppendChunks& m) {
  msg::Cred c = map(m.cred);
  if (St st = writable(Disable::kAppendchunks); st != St::kOk) return status(m.req, st);
  uint32_t dst = in(m.dst), src = in(m.src);
  const Node *d = m_.fs_.node(dst), *s = m_.fs_.node(src);
  if (!d || !s) return status(m.req, St::kNoEnt);
  if (!may(*d, c, kW) || !may(*s, c, kR)) return status(m.req, St::kAccess);
  if (d->type == msg::kFile && s->type == msg::kFile) {
    // dst grows by src's data from its next chunk boundary (the shared
    // chunks count in full for dst: a file's size is its own).
    uint64_t start = (d->length + msg::kChunkSize - 1) / msg::kChunkSize * msg::kChunkSize;
    Usage grow = m_.fs_.usage(*s);
    grow.inodes = grow.files = 0;
    grow.length = static_cast<int64_t>(start + s->length - d->length);
    grow.realsize = grow.size * d->goal;
    for (uint32_t p : m_.fs_.parents(*d))
      if (St st = quota_allows(p, grow); st != St::kOk) return status(m.req, st);
  }
  status(m.req, m_.commit(OpAppendChunks{dst, src}));
}

// The meta mount is root's, unless the export says nonrootmeta (as MooseFS).
bool ClientOps::meta_allowed(const msg::Cred& c) const {
  return sess_->meta && (c.uid == 0 || sess_->rule.nonrootmeta);
}

void ClientOps::trash_list(const msg::ClTrashList& m) {
  msg::ClTrashListReply r{m.req, St::kOk, {}, true};
  if (!meta_allowed(m.cred)) r.status = St::kPerm;
  else if (m.what != msg::kListTrash && m.what != msg::kListSustained) r.status = St::kInval;
  if (r.status != St::kOk) return reply(r);
  uint32_t max =
      m.max_entries == 0 || m.max_entries > msg::kMaxReaddirEntries ? msg::kMaxReaddirEntries : m.max_entries;
  if (m.what == msg::kListTrash) {
    const auto& trash = m_.fs_.trash();
    for (auto it = trash.upper_bound(m.after); it != trash.end(); ++it) {
      if (r.entries.size() >= max) {
        r.eof = false;
        break;
      }
      r.entries.push_back({it->first, it->second.path, m_.fs_.attr(*m_.fs_.node(it->first))});
    }
  } else {
    for (uint32_t ino : m_.fs_.sustained()) {
      if (ino <= m.after) continue;
      if (r.entries.size() >= max) {
        r.eof = false;
        break;
      }
      r.entries.push_back({ino, "", m_.fs_.attr(*m_.fs_.node(ino))});
    }
  }
  reply(r);
}

void ClientOps::undel(const msg::ClUndel& m) {
  if (!meta_allowed(m.cred)) return status(m.req, St::kPerm);
  if (sess_->rule.readonly) return status(m.req, St::kRoFs);
  if (!m_.fs_.trash().count(m.inode)) return status(m.req, St::kNoEnt);
  status(m.req, m_.commit(OpUndel{m.inode, m_.fs_.next_inode()}));
}

void ClientOps::trash_purge(const msg::ClTrashPurge& m) {
  if (!meta_allowed(m.cred)) return status(m.req, St::kPerm);
  if (sess_->rule.readonly) return status(m.req, St::kRoFs);
  if (!m_.fs_.trash().count(m.inode)) return status(m.req, St::kNoEnt);
  // Still open somewhere: it leaves the trash and stays until the last close.
  status(m.req, m_.commit(OpPurge{m.inode, static_cast<uint8_t>(m_.is_open(m.inode) ? 1 : 0)}));
}

void Master::expire_trash() {
  int64_t now = Store::now_ns();
  std::vector<uint32_t> due;
  for (const auto& [expiry, ino] : fs_.trash_expiry()) {
    if (expiry > now || due.size() >= 10000) break;  // the rest next second
    due.push_back(ino);
  }
  for (uint32_t ino : due) commit(OpPurge{ino, static_cast<uint8_t>(is_open(ino) ? 1 : 0)});
}

}  // namespace antler::master

#include "daemons/master/fs/fs.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace antler::master {

namespace {
constexpr uint64_t kChunk = msg::kChunkSize;
}

void Fs::init_empty(uint64_t cluster_id, int64_t now_ns, uint8_t root_goal, uint32_t root_trashtime) {
  nodes_.clear();
  chunks_.clear();
  trash_.clear();
  trash_expiry_.clear();
  sustained_.clear();
  trash_bytes_ = 0;
  targets_.clear();
  more_parents_.clear();
  shared_goals_.clear();
  extra_.clear();
  quotas_.clear();
  touched_quotas_.clear();
  cluster_id_ = cluster_id;
  version_ = 0;
  next_inode_ = 2;
  next_chunk_id_ = 1;
  Node& root = nodes_[kRootInode];
  root.id = kRootInode;
  root.type = msg::kDir;
  root.mode = 0777;
  root.nlink = 1;
  root.goal = root_goal;
  root.trashtime = root_trashtime;
  root.parent = kRootInode;
  root.atime_ns = root.mtime_ns = root.ctime_ns = now_ns;
  root.children = std::make_unique<DirEntries>();
}

const Node* Fs::node(uint32_t id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

Node* Fs::mut(uint32_t id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

Node* Fs::dir(uint32_t id, St* st) {
  Node* n = mut(id);
  if (!n) {
    *st = St::kNoEnt;
    return nullptr;
  }
  if (n->type != msg::kDir) {
    *st = St::kNotDir;
    return nullptr;
  }
  return n;
}

uint32_t Fs::child(uint32_t dir, const std::string& name) const {
  const Node* d = node(dir);
  if (!d || !d->children) return 0;
  auto it = d->children->find(name);
  return it == d->children->end() ? 0 : it->second;
}

const ChunkMeta* Fs::chunk(uint64_t id) const {
  auto it = chunks_.find(id);
  return it == chunks_.end() ? nullptr : &it->second;
}

msg::Attr Fs::attr(const Node& n) const {
  msg::Attr a;
  a.inode = n.id;
  a.type = n.type;
  a.mode = n.mode;
  a.uid = n.uid;
  a.gid = n.gid;
  a.atime_ns = n.atime_ns;
  a.mtime_ns = n.mtime_ns;
  a.ctime_ns = n.ctime_ns;
  a.nlink = n.type == msg::kDir ? 2 + n.subdirs : n.nlink;
  a.size = n.type == msg::kFile ? n.length : n.type == msg::kSymlink ? target(n).size() : 0;
  if (n.type == msg::kDir) a.size = 4096;
  a.rdev = n.rdev;
  a.goal = n.goal;
  a.trashtime = n.trashtime;
  a.eattr = n.eattr;
  a.flags = n.has_extra ? msg::kFlagXattr : 0;
  return a;
}

St Fs::check_new_name(const Node& parent, const std::string& name) const {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return St::kInval;
  }
  if (name.size() > kMaxNameLen) return St::kNameTooLong;
  if (parent.children->count(name)) return St::kExist;
  return St::kOk;
}

Node& Fs::add_node(uint32_t id, uint8_t type, uint16_t mode, uint32_t uid, uint32_t gid, const Node& parent,
                   int64_t t) {
  Node& n = nodes_[id];
  n.id = id;
  n.type = type;
  n.mode = mode & 07777;
  n.uid = uid;
  n.gid = gid;
  n.atime_ns = n.mtime_ns = n.ctime_ns = t;
  n.goal = parent.goal;
  n.trashtime = parent.trashtime;
  n.eattr =
      parent.eattr & (msg::kEattrNoOwner | msg::kEattrNoAttrCache | msg::kEattrNoEntryCache | msg::kEattrNoDataCache);
  if (type == msg::kDir) n.children = std::make_unique<DirEntries>();
  if (id >= next_inode_) next_inode_ = id + 1;
  return n;
}

void Fs::attach(Node& parent, const std::string& name, Node& child, int64_t t) {
  (*parent.children)[name] = child.id;
  child.nlink++;
  if (child.type == msg::kDir) {
    child.parent = parent.id;
    parent.subdirs++;
  } else {
    add_parent(child, parent.id);
  }
  parent.mtime_ns = parent.ctime_ns = t;
  add_usage(parent.id, usage(child), 1);
}

void Fs::detach(Node& parent, const std::string& name, Node& child, int64_t t) {
  parent.children->erase(name);
  if (child.type == msg::kDir) parent.subdirs--;
  else remove_parent(child, parent.id);
  parent.mtime_ns = parent.ctime_ns = t;
  add_usage(parent.id, usage(child), -1);
}

void Fs::release_chunks_from(Node& f, uint32_t first_index) {
  f.chunks.for_each([&](uint64_t, uint64_t c) { chunk_unref(c, f.goal); }, first_index);
  f.chunks.truncate(first_index);
}

void Fs::chunk_ref(uint64_t id, uint8_t goal) {
  ChunkMeta& c = chunks_[id];
  if (c.refs == 0) {
    c.refs = 1;
    c.goal = goal;
    return;
  }
  auto& mix = shared_goals_[id];
  if (c.refs == 1) {
    mix.fill(0);
    mix[c.goal]++;
  }
  mix[goal]++;
  c.refs++;
  c.goal = std::max(c.goal, goal);
}

namespace {
uint8_t highest(const std::array<uint32_t, 10>& mix) {
  for (int g = 9; g > 0; g--)
    if (mix[g]) return static_cast<uint8_t>(g);
  return 1;
}
}  // namespace

void Fs::chunk_unref(uint64_t id, uint8_t goal) {
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return;
  ChunkMeta& c = it->second;
  if (--c.refs == 0) {
    chunks_.erase(it);
    shared_goals_.erase(id);
    released_.push_back(id);
    return;
  }
  auto m = shared_goals_.find(id);
  if (m == shared_goals_.end()) return;
  if (m->second[goal]) m->second[goal]--;
  c.goal = highest(m->second);
  if (c.refs == 1) shared_goals_.erase(m);
}

void Fs::chunk_regoal(uint64_t id, uint8_t from, uint8_t to) {
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return;
  auto m = shared_goals_.find(id);
  if (m == shared_goals_.end()) {
    it->second.goal = to;
    return;
  }
  if (m->second[from]) m->second[from]--;
  m->second[to]++;
  it->second.goal = highest(m->second);
}

void Fs::drop_link(Node& n, bool sustain, const std::string& path, int64_t t) {
  if (n.nlink > 0) n.nlink--;
  if (n.nlink > 0) return;
  if (n.type == msg::kFile && n.trashtime > 0) {
    to_trash(n, path, t);
    return;
  }
  if (sustain && n.type == msg::kFile) {
    sustained_.insert(n.id);
    return;
  }
  free_node(n);
}

void Fs::to_trash(const Node& n, std::string path, int64_t deleted_ns) {
  trash_[n.id] = TrashInfo{std::move(path), deleted_ns};
  trash_bytes_ += n.length;
  trash_expiry_.emplace(deleted_ns + int64_t{n.trashtime} * 1000000000, n.id);
}

bool Fs::out_of_trash(uint32_t id) {
  auto it = trash_.find(id);
  if (it == trash_.end()) return false;
  trash_expiry_.erase({it->second.deleted_ns + int64_t{nodes_.at(id).trashtime} * 1000000000, id});
  trash_bytes_ -= nodes_.at(id).length;
  trash_.erase(it);
  return true;
}

void Fs::free_node(Node& n) {
  if (n.type == msg::kFile) release_chunks_from(n, 0);
  out_of_trash(n.id);
  sustained_.erase(n.id);
  more_parents_.erase(n.id);
  if (n.type == msg::kSymlink) targets_.erase(n.id);
  if (n.has_extra) extra_.erase(n.id);
  if (n.has_quota) quotas_.erase(n.id);
  nodes_.erase(n.id);
}

std::string Fs::dir_path(uint32_t dir) const {
  std::vector<const std::string*> parts;
  for (int guard = 0; dir != kRootInode && guard < 1 << 20; guard++) {
    const Node* d = node(dir);
    if (!d) break;
    const Node* p = node(d->parent);
    if (!p || !p->children) break;
    for (const auto& [name, id] : *p->children)
      if (id == dir) {
        parts.push_back(&name);
        break;
      }
    dir = d->parent;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '/';
    out += **it;
  }
  return out;
}

std::vector<std::string> Fs::paths(const Node& n) const {
  std::vector<std::string> out;
  std::vector<uint32_t> dirs = parents(n);
  dirs.erase(std::unique(dirs.begin(), dirs.end()), dirs.end());
  for (uint32_t d : dirs) {
    const Node* dn = node(d);
    if (!dn || !dn->children) continue;
    std::string dpath = dir_path(d);
    for (const auto& [name, id] : *dn->children)
      if (id == n.id) out.push_back(join(dpath, name));
  }
  return out;
}

bool Fs::is_ancestor(uint32_t ancestor, uint32_t id) const {
  // Walks up from id (a directory) to the root.
  for (int guard = 0; guard < 1 << 20; guard++) {
    if (id == ancestor) return true;
    const Node* n = node(id);
    if (!n || id == kRootInode) return false;
    id = n->parent;
  }
  return false;
}

St Fs::apply(const Op& op, int64_t time_ns) {
  St st = std::visit([&](const auto& o) { return apply_op(o, time_ns); }, op);
  if (!touched_quotas_.empty()) update_quota_timers(time_ns);
  return st;
}

St Fs::apply_op(const OpCreate& o, int64_t t) {
  St st = St::kOk;
  Node* p = dir(o.parent, &st);
  if (!p) return st;
  if ((st = check_new_name(*p, o.name)) != St::kOk) return st;
  if (o.inode == 0 || nodes_.count(o.inode)) return St::kInval;
  if (o.goal > msg::kMaxGoal || o.trashtime < -1 || o.trashtime > 0xFFFFFFFFLL) return St::kInval;
  switch (o.type) {
    case msg::kFile:
    case msg::kDir:
    case msg::kFifo:
    case msg::kSocket:
    case msg::kBlockDev:
    case msg::kCharDev: break;
    default: return St::kInval;
  }
  Node& n = add_node(o.inode, o.type, o.mode, o.uid, o.gid, *p, t);
  if (o.type == msg::kBlockDev || o.type == msg::kCharDev) n.rdev = o.rdev;
  if (o.goal) n.goal = o.goal;
  if (o.trashtime >= 0) n.trashtime = static_cast<uint32_t>(o.trashtime);
  inherit_acl(*p, n);
  attach(*mut(o.parent), o.name, n, t);
  return St::kOk;
}

St Fs::apply_op(const OpSymlink& o, int64_t t) {
  St st = St::kOk;
  Node* p = dir(o.parent, &st);
  if (!p) return st;
  if ((st = check_new_name(*p, o.name)) != St::kOk) return st;
  if (o.inode == 0 || nodes_.count(o.inode) || o.target.empty() || o.target.size() > msg::kMaxSymlinkLen ||
      o.target.find('\0') != std::string::npos)
    return St::kInval;
  if (o.goal > msg::kMaxGoal || o.trashtime < -1 || o.trashtime > 0xFFFFFFFFLL) return St::kInval;
  Node& n = add_node(o.inode, msg::kSymlink, 0777, o.uid, o.gid, *p, t);
  targets_[n.id] = o.target;
  if (o.goal) n.goal = o.goal;
  if (o.trashtime >= 0) n.trashtime = static_cast<uint32_t>(o.trashtime);
  attach(*mut(o.parent), o.name, n, t);
  return St::kOk;
}

St Fs::apply_op(const OpUnlink& o, int64_t t) {
  St st = St::kOk;
  Node* p = dir(o.parent, &st);
  if (!p) return st;
  auto it = p->children->find(o.name);
  if (it == p->children->end()) return St::kNoEnt;
  Node* n = mut(it->second);
  if (n->type == msg::kDir && !n->children->empty()) return St::kNotEmpty;
  detach(*p, o.name, *n, t);
  n->ctime_ns = t;
  drop_link(*n, o.sustain != 0, join(dir_path(o.parent), o.name), t);
  return St::kOk;
}

St Fs::apply_op(const OpRename& o, int64_t t) {
  St st = St::kOk;
  Node* sp = dir(o.parent, &st);
  if (!sp) return st;
  Node* dp = dir(o.new_parent, &st);
  if (!dp) return st;
  auto sit = sp->children->find(o.name);
  if (sit == sp->children->end()) return St::kNoEnt;
  Node* src = mut(sit->second);
  if (o.new_name.empty() || o.new_name == "." || o.new_name == ".." || o.new_name.find('/') != std::string::npos) {
    return St::kInval;
  }
  if (o.new_name.size() > kMaxNameLen) return St::kNameTooLong;
  if ((o.flags & msg::kRenameExchange) && (o.flags & msg::kRenameNoReplace)) return St::kInval;
  if (src->type == msg::kDir && is_ancestor(src->id, dp->id)) return St::kInval;
  auto dit = dp->children->find(o.new_name);
  Node* dst = dit == dp->children->end() ? nullptr : mut(dit->second);

  if (o.flags & msg::kRenameExchange) {
    if (!dst) return St::kNoEnt;
    if (dst->type == msg::kDir && is_ancestor(dst->id, sp->id)) return St::kInval;
    if (src == dst) return St::kOk;
    (*sp->children)[o.name] = dst->id;
    (*dp->children)[o.new_name] = src->id;
    if (sp != dp) {
      Usage moved = usage(*src);
      moved.add(usage(*dst), -1);
      add_usage(sp->id, moved, -1);
      add_usage(dp->id, moved, 1);
      if (src->type == msg::kDir) {
        sp->subdirs--;
        dp->subdirs++;
        src->parent = dp->id;
      } else {
        remove_parent(*src, sp->id);
        add_parent(*src, dp->id);
      }
      if (dst->type == msg::kDir) {
        dp->subdirs--;
        sp->subdirs++;
        dst->parent = sp->id;
      } else {
        remove_parent(*dst, dp->id);
        add_parent(*dst, sp->id);
      }
    }
    src->ctime_ns = dst->ctime_ns = t;
    sp->mtime_ns = sp->ctime_ns = dp->mtime_ns = dp->ctime_ns = t;
    return St::kOk;
  }
  if (dst) {
    if (o.flags & msg::kRenameNoReplace) return St::kExist;
    if (dst == src) return St::kOk;  // two names of one inode: nothing to do
    if (src->type == msg::kDir) {
      if (dst->type != msg::kDir) return St::kNotDir;
      if (!dst->children->empty()) return St::kNotEmpty;
    } else if (dst->type == msg::kDir) {
      return St::kIsDir;
    }
    detach(*dp, o.new_name, *dst, t);
    dst->ctime_ns = t;
    drop_link(*dst, o.sustain != 0, join(dir_path(o.new_parent), o.new_name), t);
  }
  detach(*sp, o.name, *src, t);
  src->nlink--;
  attach(*dp, o.new_name, *src, t);
  src->ctime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpLink& o, int64_t t) {
  St st = St::kOk;
  Node* p = dir(o.new_parent, &st);
  if (!p) return st;
  Node* n = mut(o.inode);
  if (!n || n->nlink == 0) return St::kNoEnt;  // a deleted file (trash, sustained) gets no new name
  if (n->type == msg::kDir) return St::kPerm;
  if ((st = check_new_name(*p, o.new_name)) != St::kOk) return st;
  if (n->nlink >= 65000) return St::kMLink;
  attach(*p, o.new_name, *n, t);
  n->ctime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpSetattr& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (o.mask & msg::kSetMode) n->mode = o.mode & 07777;
  if (o.mask & msg::kSetUid) n->uid = o.uid;
  if (o.mask & msg::kSetGid) n->gid = o.gid;
  if (o.mask & msg::kSetAtime) n->atime_ns = o.atime_ns;
  if (o.mask & msg::kSetAtimeNow) n->atime_ns = t;
  if (o.mask & msg::kSetMtime) n->mtime_ns = o.mtime_ns;
  if (o.mask & msg::kSetMtimeNow) n->mtime_ns = t;
  n->ctime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpTruncate& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (n->type != msg::kFile) return St::kInval;
  if (o.length > msg::kMaxFileLength) return St::kTooBig;
  Usage before = usage(*n);
  n->length = o.length;
  release_chunks_from(*n, static_cast<uint32_t>((o.length + kChunk - 1) / kChunk));
  n->mtime_ns = n->ctime_ns = t;
  file_changed(*n, before);
  return St::kOk;
}

St Fs::apply_op(const OpWrite& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (n->type != msg::kFile) return St::kInval;
  if (o.length > msg::kMaxFileLength) return St::kTooBig;
  Usage before = usage(*n);
  n->length = std::max(n->length, o.length);
  n->mtime_ns = n->ctime_ns = t;
  file_changed(*n, before);
  return St::kOk;
}

St Fs::apply_op(const OpSetChunk& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (n->type != msg::kFile || o.chunk_id == 0 || chunks_.count(o.chunk_id)) return St::kInval;
  if (o.index >= msg::kMaxChunksPerFile) return St::kTooBig;
  Usage before = usage(*n);
  uint64_t old = n->chunks.at(o.index);
  if (old != 0) chunk_unref(old, n->goal);
  n->chunks.set(o.index, o.chunk_id);
  chunks_[o.chunk_id] = ChunkMeta{o.version, 0, n->goal};
  chunk_ref(o.chunk_id, n->goal);
  if (o.chunk_id >= next_chunk_id_) next_chunk_id_ = o.chunk_id + 1;
  file_changed(*n, before);
  return St::kOk;
}

St Fs::apply_op(const OpAccess& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  n->atime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpChunkId& o, int64_t) {
  if (o.chunk_id == 0) return St::kInval;
  if (o.chunk_id >= next_chunk_id_) next_chunk_id_ = o.chunk_id + 1;
  return St::kOk;
}

St Fs::apply_op(const OpEpoch& o, int64_t) {
  if (o.epoch <= epoch_) return St::kInval;
  epoch_ = o.epoch;
  epoch_id_ = o.id;
  return St::kOk;
}

St Fs::apply_op(const OpSetVersion& o, int64_t t) {
  auto it = chunks_.find(o.chunk_id);
  if (it == chunks_.end()) return St::kNoEnt;
  it->second.version = o.version;
  return St::kOk;
}

St Fs::apply_op(const OpPurge& o, int64_t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (n->nlink != 0 || o.inode == kRootInode) return St::kInval;
  if (o.sustain) {
    if (!out_of_trash(o.inode)) return St::kInval;
    sustained_.insert(o.inode);
    return St::kOk;
  }
  free_node(*n);
  return St::kOk;
}

void Fs::add_parent(Node& n, uint32_t dir) {
  if (n.parent == 0) n.parent = dir;
  else more_parents_[n.id].push_back(dir);
}

void Fs::remove_parent(Node& n, uint32_t dir) {
  auto more = more_parents_.find(n.id);
  if (n.parent == dir) {
    if (more == more_parents_.end()) {
      n.parent = 0;
      return;
    }
    n.parent = more->second.back();
    more->second.pop_back();
  } else if (more != more_parents_.end()) {
    auto it = std::find(more->second.begin(), more->second.end(), dir);
    if (it != more->second.end()) more->second.erase(it);
  }
  if (more != more_parents_.end() && more->second.empty()) more_parents_.erase(more);
}

bool Fs::within(uint32_t root, uint32_t id) const {
  if (root == kRootInode || id == root) return node(id) != nullptr;
  const Node* n = node(id);
  if (!n) return false;
  if (n->type == msg::kDir) return is_ancestor(root, id);
  bool found = false;
  each_parent(*n, [&](uint32_t d) { found = found || is_ancestor(root, d); });
  return found;
}

std::vector<uint32_t> Fs::parents(const Node& n) const {
  std::vector<uint32_t> out;
  each_parent(n, [&](uint32_t d) { out.push_back(d); });
  std::sort(out.begin(), out.end());
  return out;
}

const std::string& Fs::target(const Node& n) const {
  static const std::string kNone;
  auto it = targets_.find(n.id);
  return it == targets_.end() ? kNone : it->second;
}

std::string Fs::dump() const {
  std::ostringstream out;
  out << "version " << version_ << " cluster " << cluster_id_ << " next_inode " << next_inode_ << " next_chunk "
      << next_chunk_id_ << "\nepoch " << epoch_ << " " << epoch_id_ << "\n";
  std::vector<uint32_t> ids;
  ids.reserve(nodes_.size());
  for (const auto& [id, n] : nodes_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (uint32_t id : ids) {
    const Node& n = nodes_.at(id);
    out << "node " << id << " " << n.type << " " << n.mode << " " << n.uid << ":" << n.gid << " a" << n.atime_ns << " m"
        << n.mtime_ns << " c" << n.ctime_ns << " nl" << n.nlink << " g" << int(n.goal) << " tt" << n.trashtime << " e"
        << int(n.eattr) << " rdev" << n.rdev << " len" << n.length << " target=" << escape(target(n));
    if (n.type == msg::kDir) {
      const Usage& u = n.children->usage;
      out << " parent" << n.parent << " subdirs" << n.subdirs << " usage " << u.inodes << "/" << u.dirs << "/"
          << u.files << "/" << u.chunks << "/" << u.length << "/" << u.size << "/" << u.realsize;
    } else {
      out << " parents";
      for (uint32_t p : parents(n)) out << " " << p;
    }
    out << " chunks";
    n.chunks.for_each([&](uint64_t i, uint64_t c) { out << " " << i << ":" << c; });
    out << "\n";
    if (n.children)
      for (const auto& [name, cid] : *n.children) out << "  " << escape(name) << " -> " << cid << "\n";
    if (const Extra* e = n.has_extra ? extra_of(id) : nullptr) {
      for (const auto& [name, value] : e->xattrs) out << "  xattr " << escape(name) << "=" << escape(value) << "\n";
      if (e->access) out << "  acl " << acl_to_text(*access_acl(n)) << "\n";
      if (e->dflt) out << "  default-acl " << acl_to_text(*e->dflt) << "\n";
    }
  }
  if (extra_.size() != static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(),
                                                         [](const auto& p) { return p.second.has_extra; })))
    out << "extra entries without a flagged node\n";
  std::vector<uint64_t> cids;
  for (const auto& [id, c] : chunks_) cids.push_back(id);
  std::sort(cids.begin(), cids.end());
  for (uint64_t id : cids) {
    const ChunkMeta& c = chunks_.at(id);
    out << "chunk " << id << " v" << c.version << " refs" << c.refs << " g" << int(c.goal) << "\n";
  }
  for (const auto& [id, ti] : trash_) out << "trash " << id << " " << ti.deleted_ns << " " << escape(ti.path) << "\n";
  // Derived indexes: kept up to date live, rebuilt on load; the replay test compares both.
  for (const auto& [expiry, id] : trash_expiry_) out << "expires " << expiry << " " << id << "\n";
  for (uint32_t id : sustained_) out << "sustained " << id << "\n";
  out << "trash bytes " << trash_bytes_ << "\n";
  for (const auto& [id, q] : quotas_) {
    out << "quota " << id << (nodes_.at(id).has_quota ? "" : " (unflagged)") << " grace " << q.grace_s << " exceeded "
        << q.exceeded_ns;
    for (int k = 0; k < 4; k++) out << " " << q.soft[k] << "/" << q.hard[k];
    out << "\n";
  }
  return out.str();
}

}  // namespace antler::master

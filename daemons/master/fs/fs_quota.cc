// Usage of directory trees (kept in every directory, for quotas and
// mfsdirinfo) and per-directory quotas (OpSetQuota).
#include <algorithm>

#include "daemons/master/fs/fs.h"

namespace antler::master {

namespace {

constexpr uint64_t kChunk = msg::kChunkSize;
constexpr uint64_t kBlock = msg::kBlockSize;
constexpr uint64_t kChunkHeader = 8192;  // a chunk file's header on a chunkserver

// What chunk slot i of a file of length len takes on one server.
int64_t chunk_bytes(uint64_t i, uint64_t len) {
  uint64_t start = i * kChunk;
  uint64_t data = len <= start ? 0 : std::min(len - start, kChunk);
  return static_cast<int64_t>((data + kBlock - 1) / kBlock * kBlock + kChunkHeader);
}

std::array<int64_t, 4> limited(const Usage& u) { return {u.inodes, u.length, u.size, u.realsize}; }

}  // namespace

Usage& Usage::add(const Usage& o, int sign) {
  inodes += sign * o.inodes;
  dirs += sign * o.dirs;
  files += sign * o.files;
  chunks += sign * o.chunks;
  length += sign * o.length;
  size += sign * o.size;
  realsize += sign * o.realsize;
  return *this;
}

Usage Fs::file_usage_if(const Node& f, uint64_t length, uint32_t index) const {
  Usage u;
  u.inodes = u.files = 1;
  u.length = static_cast<int64_t>(length);
  f.chunks.for_each([&](uint64_t i, uint64_t) {
    u.chunks++;
    u.size += chunk_bytes(i, length);
  });
  if (index != kNoSlot && f.chunks.at(index) == 0) {
    u.chunks++;
    u.size += chunk_bytes(index, length);
  }
  u.realsize = u.size * f.goal;
  return u;
}

Usage Fs::usage(const Node& n) const {
  if (n.type == msg::kFile) return file_usage_if(n, n.length, kNoSlot);
  Usage u;
  if (n.type == msg::kDir) {
    u = n.children->usage;
    u.dirs++;
  }
  u.inodes++;
  return u;
}

void Fs::add_usage(uint32_t dir, const Usage& d, int sign) {
  for (int guard = 0; guard < 1 << 20; guard++) {
    Node& n = nodes_.at(dir);
    n.children->usage.add(d, sign);
    if (n.has_quota) touched_quotas_.push_back(dir);
    if (dir == kRootInode || n.parent == 0) return;
    dir = n.parent;
  }
}

void Fs::file_changed(const Node& f, const Usage& before) {
  Usage d = usage(f);
  if (d == before) return;
  if (f.nlink == 0 && trash_.count(f.id)) trash_bytes_ += f.length - static_cast<uint64_t>(before.length);
  d.add(before, -1);
  each_parent(f, [&](uint32_t p) { add_usage(p, d, 1); });
}

void Fs::update_quota_timers(int64_t t) {
  for (uint32_t id : touched_quotas_) {
    auto q = quotas_.find(id);
    if (q == quotas_.end()) continue;
    auto used = limited(nodes_.at(id).children->usage);
    bool over = false;
    for (int k = 0; k < 4; k++) over |= q->second.soft[k] && used[k] > static_cast<int64_t>(q->second.soft[k]);
    if (!over) q->second.exceeded_ns = 0;
    else if (q->second.exceeded_ns == 0) q->second.exceeded_ns = t;
  }
  touched_quotas_.clear();
}

void Fs::recompute_usage() {
  // One pass over the nodes in storage order: every file, symlink, ... adds
  // itself to each directory holding one of its names (directories are few,
  // so their nodes stay in cache). Then directories, deepest first, add
  // their totals and themselves to their parent.
  std::vector<std::pair<uint32_t, Node*>> dirs;  // (depth, dir)
  for (auto& [id, n] : nodes_) {
    if (n.type == msg::kDir) {
      n.children->usage = Usage{};
      dirs.emplace_back(0, &n);
    }
  }
  for (auto& [id, n] : nodes_) {
    if (n.type == msg::kDir || n.parent == 0) continue;
    Usage u = usage(n);
    each_parent(n, [&](uint32_t d) { nodes_.at(d).children->usage.add(u, 1); });
  }
  for (auto& [depth, d] : dirs) {
    for (const Node* x = d; x->id != kRootInode && x->parent != 0 && depth < (1u << 20); depth++)
      x = &nodes_.at(x->parent);
  }
  std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [depth, d] : dirs) {
    if (d->id == kRootInode || d->parent == 0) continue;
    Usage u = d->children->usage;
    u.inodes++;
    u.dirs++;
    nodes_.at(d->parent).children->usage.add(u, 1);
  }
}

const Quota* Fs::quota(uint32_t dir) const {
  auto it = quotas_.find(dir);
  return it == quotas_.end() ? nullptr : &it->second;
}

St Fs::quota_allows(uint32_t dir, const Usage& grow, int64_t now_ns, uint32_t default_grace_s, uint32_t except) const {
  if (quotas_.empty()) return St::kOk;
  std::vector<uint32_t> common;  // except and the directories above it
  for (int guard = 0; except != 0 && guard < 1 << 20; guard++) {
    common.push_back(except);
    const Node* n = node(except);
    if (!n || except == kRootInode) break;
    except = n->parent;
  }
  auto add = limited(grow);
  for (int guard = 0; guard < 1 << 20; guard++) {
    if (std::find(common.begin(), common.end(), dir) != common.end()) break;
    const Node* n = node(dir);
    if (!n || !n->children) break;
    if (n->has_quota) {
      const Quota& q = quotas_.at(dir);
      auto used = limited(n->children->usage);
      int64_t grace_ns = int64_t{q.grace_s ? q.grace_s : default_grace_s} * 1000000000;
      bool expired = q.exceeded_ns != 0 && now_ns - q.exceeded_ns > grace_ns;
      for (int k = 0; k < 4; k++) {
        if (add[k] <= 0) continue;
        int64_t after = used[k] + add[k];
        if (q.hard[k] && after > static_cast<int64_t>(q.hard[k])) return St::kQuota;
        if (q.soft[k] && expired && after > static_cast<int64_t>(q.soft[k])) return St::kQuota;
      }
    }
    if (dir == kRootInode) break;
    dir = n->parent;
  }
  return St::kOk;
}

St Fs::apply_op(const OpSetQuota& o, int64_t) {
  St st = St::kOk;
  Node* d = dir(o.inode, &st);
  if (!d) return st;
  Quota q;
  q.soft = {o.soft_inodes, o.soft_length, o.soft_size, o.soft_realsize};
  q.hard = {o.hard_inodes, o.hard_length, o.hard_size, o.hard_realsize};
  q.grace_s = o.grace;
  if (q.empty()) {
    quotas_.erase(o.inode);
    d->has_quota = false;
    return St::kOk;
  }
  Quota& cur = quotas_[o.inode];
  q.exceeded_ns = cur.exceeded_ns;
  cur = q;
  d->has_quota = true;
  touched_quotas_.push_back(o.inode);
  return St::kOk;
}

}  // namespace antler::master

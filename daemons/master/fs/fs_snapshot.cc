// OpSnapshot (lazy copies sharing chunks) and OpAppendChunks.
#include "daemons/master/fs/fs.h"

namespace antler::master {

namespace {
constexpr uint64_t kChunk = msg::kChunkSize;
}  // namespace

St Fs::snapshot_check(const Node& src, const Node* existing, uint64_t* count) const {
  if (existing) {
    if (existing->id == src.id) return St::kInval;
    if (existing->type == msg::kDir && src.type == msg::kDir && is_ancestor(existing->id, src.id)) return St::kInval;
    if (existing->type == msg::kDir && src.type != msg::kDir) return St::kIsDir;
  }
  bool merge = existing && existing->type == msg::kDir && src.type == msg::kDir;
  if (!merge) ++*count;
  if (src.type != msg::kDir) return St::kOk;
  for (const auto& [name, id] : *src.children) {
    const Node* e = merge ? node(child(existing->id, name)) : nullptr;
    St st = snapshot_check(nodes_.at(id), e, count);
    if (st != St::kOk) return st;
  }
  return St::kOk;
}

void Fs::snapshot_copy(const Node& src, Node& parent, const std::string& name, const OpSnapshot& o, uint32_t& next,
                       std::unordered_map<uint32_t, uint32_t>& links, int64_t t) {
  if (uint32_t eid = child(parent.id, name)) {
    Node& e = nodes_.at(eid);
    if (e.type == msg::kDir && src.type == msg::kDir) {
      for (const auto& [cname, cid] : *src.children) snapshot_copy(nodes_.at(cid), e, cname, o, next, links, t);
      return;
    }
    detach(parent, name, e, t);
    e.ctime_ns = t;
    drop_link(e, false, join(dir_path(parent.id), name), t);
  }
  if ((o.flags & msg::kSnapKeepLinks) && src.type != msg::kDir) {
    auto l = links.find(src.id);
    if (l != links.end()) {
      attach(parent, name, nodes_.at(l->second), t);
      return;
    }
    links[src.id] = next;
  }
  Node& c = nodes_[next];
  c.id = next++;
  if (c.id >= next_inode_) next_inode_ = c.id + 1;
  c.type = src.type;
  c.mode = src.mode;
  c.uid = src.uid;
  c.gid = src.gid;
  if (o.flags & msg::kSnapCpAttrs) {
    c.uid = o.uid;
    c.gid = o.gid;
    if (c.type != msg::kSymlink) c.mode &= static_cast<uint16_t>(~o.umask & 07777);
  }
  c.atime_ns = src.atime_ns;
  c.mtime_ns = src.mtime_ns;
  c.ctime_ns = t;
  c.goal = src.goal;
  c.trashtime = src.trashtime;
  c.eattr = src.eattr;
  c.rdev = src.rdev;
  c.length = src.length;
  if (c.type == msg::kSymlink) targets_[c.id] = target(src);
  c.chunks = src.chunks;
  if (src.has_extra) {
    const Extra& e = extra_.at(src.id);
    extra_[c.id] = e;
    c.has_extra = true;
  }
  c.chunks.for_each([&](uint64_t, uint64_t id) { chunk_ref(id, c.goal); });
  if (c.type == msg::kDir) c.children = std::make_unique<DirEntries>();
  attach(parent, name, c, t);
  if (src.type == msg::kDir)
    for (const auto& [cname, cid] : *src.children) snapshot_copy(nodes_.at(cid), c, cname, o, next, links, t);
}

St Fs::apply_op(const OpSnapshot& o, int64_t t) {
  const Node* src = node(o.src);
  if (!src || src->nlink == 0) return St::kNoEnt;
  St st = St::kOk;
  Node* dp = dir(o.dst_parent, &st);
  if (!dp) return st;
  if (o.name.empty() || o.name == "." || o.name == ".." || o.name.find('/') != std::string::npos) return St::kInval;
  if (o.name.size() > kMaxNameLen) return St::kNameTooLong;
  if (src->type == msg::kDir && is_ancestor(src->id, dp->id)) return St::kInval;
  const Node* existing = node(child(dp->id, o.name));
  if (existing && !(o.flags & msg::kSnapOverwrite)) return St::kExist;
  uint64_t count = 0;
  if ((st = snapshot_check(*src, existing, &count)) != St::kOk) return st;
  if (o.first_inode == 0 || uint64_t(o.first_inode) + count > 0xFFFF0000u) return St::kInval;
  for (uint64_t i = 0; i < count; i++)
    if (nodes_.count(o.first_inode + static_cast<uint32_t>(i))) return St::kInval;
  uint32_t next = o.first_inode;
  std::unordered_map<uint32_t, uint32_t> links;
  snapshot_copy(*src, *dp, o.name, o, next, links, t);
  return St::kOk;
}

St Fs::apply_op(const OpAppendChunks& o, int64_t t) {
  Node* dst = mut(o.dst);
  const Node* src = node(o.src);
  if (!dst || !src) return St::kNoEnt;
  if (dst->type != msg::kFile || src->type != msg::kFile) return St::kInval;
  uint64_t slots = (dst->length + kChunk - 1) / kChunk;
  if (slots + src->chunks.slots() > msg::kMaxChunksPerFile) return St::kTooBig;
  ChunkTable add = src->chunks;  // src may be dst
  uint64_t src_length = src->length;
  Usage before = usage(*dst);
  release_chunks_from(*dst, static_cast<uint32_t>(slots));
  add.for_each([&](uint64_t i, uint64_t c) {
    dst->chunks.set(slots + i, c);
    chunk_ref(c, dst->goal);
  });
  dst->length = slots * kChunk + src_length;
  dst->mtime_ns = dst->ctime_ns = t;
  file_changed(*dst, before);
  return St::kOk;
}

}  // namespace antler::master

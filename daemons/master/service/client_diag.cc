// Requests of the diagnostic and repair tools: mfsfileinfo and mfscheckfile
// (chunks and their copies), mfsfilepaths (every path of an inode),
// mfsdirinfo (totals of a tree) and mfsfilerepair (chunks with no valid
// copy back to readable).
#include <algorithm>
#include <unordered_set>

#include "daemons/master/service/client_ops.h"

namespace antler::master {

namespace {

// Size of a chunk file's header on a chunkserver (docs/chunkserver.md; the
// chunkserver's kHeaderSize).
constexpr uint64_t kChunkHeader = 8192;

// The size of the chunk in slot `index` of a file of `length` bytes, as the
// usage counters of quotas count it (fs_quota.cc) and MooseFS does: the
// header plus the file's data in that chunk, rounded up to 64 KiB blocks.
uint64_t chunk_size(uint64_t length, uint32_t index) {
  uint64_t start = uint64_t(index) * msg::kChunkSize;
  uint64_t data = length <= start ? 0 : std::min<uint64_t>(length - start, msg::kChunkSize);
  return (data + msg::kBlockSize - 1) / msg::kBlockSize * msg::kBlockSize + kChunkHeader;
}

// Copies at the chunk's version on connected servers.
size_t valid_copies(const Master& m, uint64_t id) {
  const ChunkMeta* meta = m.fs().chunk(id);
  return meta ? m.chunks().valid_count(id, meta->version) : 0;
}

// A meta session (the meta mount's control file) may only name deleted
// files, trash or sustained: the meta mount's own directories have inode
// numbers (1 to 4) that belong to other inodes here.
bool meta_refuses(const Session& s, const Node* n) { return s.meta && n && (n->type == msg::kDir || n->nlink != 0); }

}  // namespace

void ClientOps::file_info(const msg::ClFileInfo& m) {
  msg::ClFileInfoReply r{m.req, St::kOk, 0, {}, 0};
  const Node* n = m_.fs_.node(in(m.inode));
  if (!n) r.status = St::kNoEnt;
  else if (meta_refuses(*sess_, n)) r.status = St::kPerm;
  else if (n->type != msg::kFile) r.status = St::kInval;
  if (r.status != St::kOk) return reply(r);
  r.length = n->length;
  r.slots = std::max<uint64_t>((n->length + msg::kChunkSize - 1) / msg::kChunkSize, n->chunks.slots());
  n->chunks.for_each([&](uint64_t i, uint64_t id) {
    msg::ChunkInfo ci;
    ci.chunk_id = id;
    ci.index = static_cast<uint32_t>(i);
    if (const ChunkMeta* meta = m_.fs_.chunk(id)) {
      ci.version = meta->version;
      if (const std::vector<Copy>* list = m_.chunks_.copies(ci.chunk_id)) {
        for (const Copy& c : *list) {
          const ChunkServer* s = m_.chunks_.server(c.cs);
          if (!s || !s->connected()) continue;
          uint8_t state = c.version == meta->version ? msg::kCopyValid : msg::kCopyWrongVersion;
          ci.copies.push_back({s->loc, c.version, state});
        }
        std::stable_sort(ci.copies.begin(), ci.copies.end(), [](const msg::CopyInfo& a, const msg::CopyInfo& b) {
          if (a.state != b.state) return a.state < b.state;
          return a.loc.ip != b.loc.ip ? a.loc.ip < b.loc.ip : a.loc.port < b.loc.port;
        });
      }
    }
    r.chunks.push_back(std::move(ci));
  });
  reply(r);
}

void ClientOps::file_paths(const msg::ClFilePaths& m) {
  msg::ClFilePathsReply r{m.req, St::kOk, {}};
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  if (!n) return status(m.req, St::kNoEnt);
  if (meta_refuses(*sess_, n)) return status(m.req, St::kPerm);
  if (ino == sess_->root) {
    r.paths.push_back("/");
    return reply(r);
  }
  if (auto t = m_.fs_.trash().find(ino); t != m_.fs_.trash().end()) {
    r.paths.push_back("./trash/" + t->second.path);
    return reply(r);
  }
  if (n->type != msg::kDir && n->nlink == 0) {
    r.paths.push_back("./sustained/" + std::to_string(ino));
    return reply(r);
  }
  // Paths from the file system's root, then cut to the session's root.
  std::string root = sess_->root == kRootInode ? "" : m_.fs_.dir_path(sess_->root);
  for (std::string p : m_.fs_.paths(*n)) {
    if (!root.empty()) {
      if (p.size() <= root.size() || p.compare(0, root.size(), root) != 0 || p[root.size()] != '/') continue;
      p = p.substr(root.size() + 1);
    }
    r.paths.push_back("/" + p);
  }
  if (r.paths.empty()) return status(m.req, St::kNoEnt);  // no name inside this session's root
  std::sort(r.paths.begin(), r.paths.end());
  reply(r);
}

void ClientOps::dir_info(const msg::ClDirInfo& m) {
  msg::ClDirInfoReply r{m.req, St::kOk, 0, 0, 0, 0, 0, 0, 0};
  const Node* top = m_.fs_.node(in(m.inode));
  if (!top) return status(m.req, St::kNoEnt);
  if (meta_refuses(*sess_, top)) return status(m.req, St::kPerm);
  if (!m.precise) {
    // The usage every directory keeps (for quotas): every name and every
    // file slot counts, realsize by the files' goals.
    Usage u = m_.fs_.usage(*top);
    auto v = [](int64_t x) { return static_cast<uint64_t>(std::max<int64_t>(x, 0)); };
    r.inodes = v(u.inodes);
    r.dirs = v(u.dirs);
    r.files = v(u.files);
    r.chunks = v(u.chunks);
    r.length = v(u.length);
    r.size = v(u.size);
    r.realsize = v(u.realsize);
    return reply(r);
  }
  // Precise: a walk that counts each inode and each chunk once, realsize by
  // the copies there are.
  std::unordered_set<uint32_t> seen_nodes;
  std::unordered_set<uint64_t> seen_chunks;
  std::vector<const Node*> todo{top};
  while (!todo.empty()) {
    const Node* x = todo.back();
    todo.pop_back();
    if (!x || !seen_nodes.insert(x->id).second) continue;
    r.inodes++;
    if (x->type == msg::kDir) {
      r.dirs++;
      if (x->children)
        for (const auto& [name, id] : *x->children) todo.push_back(m_.fs_.node(id));
      continue;
    }
    if (x->type != msg::kFile) continue;
    r.files++;
    r.length += x->length;
    x->chunks.for_each([&](uint64_t i, uint64_t cid) {
      if (!seen_chunks.insert(cid).second) return;
      uint64_t size = chunk_size(x->length, static_cast<uint32_t>(i));
      r.chunks++;
      r.size += size;
      r.realsize += size * valid_copies(m_, cid);
    });
  }
  reply(r);
}

void ClientOps::file_repair(const msg::ClFileRepair& m) {
  msg::Cred c = map(m.cred);
  msg::ClFileRepairReply r{m.req, St::kOk, 0, 0, 0};
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  if (sess_->rule.readonly) r.status = St::kRoFs;
  else if (c.uid != 0) r.status = St::kPerm;
  else if (!n) r.status = St::kNoEnt;
  else if (meta_refuses(*sess_, n)) r.status = St::kPerm;
  else if (n->type != msg::kFile) r.status = St::kInval;
  if (r.status != St::kOk) return reply(r);
  std::vector<std::pair<uint32_t, uint64_t>> slots;  // the commits below change the table
  n->chunks.for_each([&](uint64_t i, uint64_t cid) { slots.emplace_back(static_cast<uint32_t>(i), cid); });
  for (auto [i, cid] : slots) {
    if (valid_copies(m_, cid) > 0) {
      r.not_changed++;
      continue;
    }
    // The highest version a connected server still holds.
    uint32_t best = 0;
    std::vector<Copy> others;
    if (const std::vector<Copy>* list = m_.chunks_.copies(cid)) {
      for (const Copy& cp : *list) {
        if (!m_.chunks_.server_up(cp.cs)) continue;
        best = std::max(best, cp.version);
        others.push_back(cp);
      }
    }
    if (best == 0) {
      if (m_.commit(OpRepair{ino, i, 0}) != St::kOk) continue;
      r.erased++;
      log::warn("mfsfilerepair: inode {} chunk {}: {:016X} had no copy left; the slot is now a hole", ino, i, cid);
      continue;
    }
    if (m_.commit(OpRepair{ino, i, best}) != St::kOk) continue;
    std::vector<uint32_t> good;
    for (const Copy& cp : others) {
      if (cp.version == best) good.push_back(cp.cs);
      else m_.cs_command(cp.cs, msg::CsDelete{0, cid, cp.version}, [](St, uint32_t) {});
    }
    m_.chunks_.keep_copies(cid, good, best);
    r.repaired++;
    log::warn("mfsfilerepair: inode {} chunk {}: {:016X} now at version {}, the highest left ({} copies)", ino, i, cid,
              best, good.size());
  }
  reply(r);
}

}  // namespace antler::master

// The binary metadata image (metadata.mfs). Layout, in docs/formats.md:
//   header: "ANTLERM1", u64 version, u64 cluster id, u32 next inode, u64 next chunk id
//   sections: 4-byte tag, u64 payload length, payload, u32 CRC32C of payload
//   tags: NODE (inodes), EDGE (directory entries), CHNK (chunks), TRSH (trash),
//   XATR (extended attributes and ACLs), QUOT (quotas), "END " (last, empty)
// Derived values (link counts, subdirectory counts, chunk references, usage) are
// recomputed on load and not stored.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/crc.h"
#include "common/fd.h"
#include "common/log.h"
#include "daemons/master/fs/fs.h"

namespace antler::master {

namespace {

constexpr char kMagic[9] = "ANTLERM1";

struct NodeRec {
  uint32_t id = 0;
  uint8_t type = 0;
  uint16_t mode = 0;
  uint32_t uid = 0, gid = 0;
  int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;
  uint8_t goal = 0;
  uint32_t trashtime = 0;
  uint32_t rdev = 0;
  uint64_t length = 0;
  std::vector<uint64_t> chunks;
  std::string target;
  uint8_t eattr = 0;
  std::vector<uint64_t> chunk_pairs;  // a sparse chunk table (chunks then empty): slot, id, slot, id…
  ANTLER_FIELDS(id, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, goal, trashtime, rdev, length, chunks, target,
                eattr, chunk_pairs)
};

struct TrashRec {
  uint32_t inode = 0;
  int64_t deleted_ns = 0;
  std::string path;
  ANTLER_FIELDS(inode, deleted_ns, path)
};

struct XattrRec {
  std::string name;
  std::string value;
  ANTLER_FIELDS(name, value)
};

// An ACL in acl_to_xattr() form; empty: none.
struct ExtraRec {
  uint32_t inode = 0;
  std::vector<XattrRec> xattrs;
  std::string access;
  std::string dflt;
  ANTLER_FIELDS(inode, xattrs, access, dflt)
};

struct QuotaRec {
  uint32_t inode = 0;
  uint64_t soft_inodes = 0, soft_length = 0, soft_size = 0, soft_realsize = 0;
  uint64_t hard_inodes = 0, hard_length = 0, hard_size = 0, hard_realsize = 0;
  uint32_t grace = 0;
  int64_t exceeded_ns = 0;
  ANTLER_FIELDS(inode, soft_inodes, soft_length, soft_size, soft_realsize, hard_inodes, hard_length, hard_size,
                hard_realsize, grace, exceeded_ns)
};

struct EdgeRec {
  uint32_t parent = 0;
  std::string name;
  uint32_t child = 0;
  ANTLER_FIELDS(parent, name, child)
};

struct ChunkRec {
  uint64_t id = 0;
  uint32_t version = 0;
  uint8_t goal = 0;
  ANTLER_FIELDS(id, version, goal)
};

struct Header {
  uint64_t version = 0;
  uint64_t cluster_id = 0;
  uint32_t next_inode = 0;
  uint64_t next_chunk_id = 0;
  ANTLER_FIELDS(version, cluster_id, next_inode, next_chunk_id)
};

void put_section(std::string& out, const char tag[5], const std::string& payload) {
  out.append(tag, 4);
  uint64_t len = payload.size();
  out.append(reinterpret_cast<const char*>(&len), 8);
  out += payload;
  uint32_t crc = crc32c(payload.data(), payload.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::from_errno(path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status parse_header(const std::string& data, Header& h, size_t& pos, const std::string& path) {
  if (data.size() < 8 + 28 || std::memcmp(data.data(), kMagic, 8) != 0)
    return Status::error(path + ": not an Antler metadata image");
  serde::Reader r(data.data() + 8, 28);
  r.get(h.version);
  r.get(h.cluster_id);
  r.get(h.next_inode);
  r.get(h.next_chunk_id);
  pos = 8 + 28;
  return Status();
}

}  // namespace

Status Fs::save_image(const std::string& path) const {
  std::string out(kMagic, 8);
  serde::Writer w(out);
  w.put(version_);
  w.put(cluster_id_);
  w.put(next_inode_);
  w.put(next_chunk_id_);

  std::string nodes, edges, chunks;
  serde::Writer wn(nodes), we(edges), wc(chunks);
  wn.put(static_cast<uint64_t>(nodes_.size()));
  uint64_t edge_count = 0;
  for (const auto& [id, n] : nodes_)
    if (n.children) edge_count += n.children->size();
  we.put(edge_count);
  for (const auto& [id, n] : nodes_) {
    NodeRec r{n.id,
              n.type,
              n.mode,
              n.uid,
              n.gid,
              n.atime_ns,
              n.mtime_ns,
              n.ctime_ns,
              n.goal,
              n.trashtime,
              n.rdev,
              n.length,
              n.chunks.dense(),
              target(n),
              n.eattr,
              n.chunks.flat_pairs()};
    wn.put(r);
    if (n.children)
      for (const auto& [name, child] : *n.children) we.put(EdgeRec{n.id, name, child});
  }
  wc.put(static_cast<uint64_t>(chunks_.size()));
  for (const auto& [id, c] : chunks_) wc.put(ChunkRec{id, c.version, c.goal});
  put_section(out, "NODE", nodes);
  put_section(out, "EDGE", edges);
  put_section(out, "CHNK", chunks);
  std::string trash;
  serde::Writer wt(trash);
  wt.put(static_cast<uint64_t>(trash_.size()));
  for (const auto& [id, ti] : trash_) wt.put(TrashRec{id, ti.deleted_ns, ti.path});
  put_section(out, "TRSH", trash);
  std::string xattrs;
  serde::Writer wx(xattrs);
  wx.put(static_cast<uint64_t>(extra_.size()));
  for (const auto& [id, e] : extra_) {
    // The access ACL as it stands: owner, mask and other from the mode.
    std::optional<Acl> access = e.access ? access_acl(nodes_.at(id)) : std::nullopt;
    ExtraRec r{id, {}, access ? acl_to_xattr(*access) : "", e.dflt ? acl_to_xattr(*e.dflt) : ""};
    for (const auto& [name, value] : e.xattrs) r.xattrs.push_back({name, value});
    wx.put(r);
  }
  put_section(out, "XATR", xattrs);
  std::string quotas;
  serde::Writer wq(quotas);
  wq.put(static_cast<uint64_t>(quotas_.size()));
  for (const auto& [id, q] : quotas_)
    wq.put(QuotaRec{id, q.soft[0], q.soft[1], q.soft[2], q.soft[3], q.hard[0], q.hard[1], q.hard[2], q.hard[3],
                    q.grace_s, q.exceeded_ns});
  put_section(out, "QUOT", quotas);
  if (epoch_ != 0) {
    std::string epoch;
    serde::Writer we2(epoch);
    we2.put(epoch_);
    we2.put(epoch_id_);
    put_section(out, "EPCH", epoch);
  }
  put_section(out, "END ", "");

  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Status::from_errno(tmp, errno);
  if (Status s = write_all(fd.get(), out); !s.ok()) return s.with_context(tmp);
  if (::fsync(fd.get()) < 0) return Status::from_errno(tmp + ": fsync", errno);
  fd.reset();
  // Keep the previous image as .back.
  std::string back = path + ".back";
  if (::access(path.c_str(), F_OK) == 0 && ::rename(path.c_str(), back.c_str()) < 0)
    return Status::from_errno(path + ": rename to .back", errno);
  if (::rename(tmp.c_str(), path.c_str()) < 0) return Status::from_errno(tmp + ": rename", errno);
  return Status();
}

Result<uint64_t> Fs::image_version(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::from_errno(path, errno);
  std::string data(8 + 28, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.gcount() != static_cast<std::streamsize>(data.size())) return Status::error(path + ": truncated image");
  Header h;
  size_t pos;
  if (Status s = parse_header(data, h, pos, path); !s.ok()) return s;
  return h.version;
}

Status Fs::load_image(const std::string& path) {
  Result<std::string> file = read_file(path);
  if (!file) return file.status();
  const std::string& data = *file;
  Header h;
  size_t pos = 0;
  if (Status s = parse_header(data, h, pos, path); !s.ok()) return s;
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
  version_ = h.version;
  cluster_id_ = h.cluster_id;
  epoch_ = epoch_id_ = 0;
  next_inode_ = h.next_inode;
  next_chunk_id_ = h.next_chunk_id;
  bool ended = false;
  auto bad = [&](const std::string& why) { return Status::error(path + ": " + why); };
  while (!ended) {
    if (data.size() - pos < 12) return bad("truncated section header");
    std::string tag = data.substr(pos, 4);
    uint64_t len;
    std::memcpy(&len, data.data() + pos + 4, 8);
    pos += 12;
    if (len > data.size() - pos || data.size() - pos - len < 4) return bad("section " + tag + " truncated");
    uint32_t crc;
    std::memcpy(&crc, data.data() + pos + len, 4);
    if (crc != crc32c(data.data() + pos, len)) return bad("section " + tag + " checksum mismatch");
    serde::Reader r(data.data() + pos, len);
    uint64_t count = 0;
    if (tag == "NODE") {
      if (!r.get(count)) return bad("NODE: bad count");
      nodes_.reserve(count);
      for (uint64_t i = 0; i < count; i++) {
        NodeRec rec;
        if (!r.get(rec)) return bad("NODE: bad record");
        Node& n = nodes_[rec.id];
        n.id = rec.id;
        n.type = rec.type;
        n.mode = rec.mode;
        n.uid = rec.uid;
        n.gid = rec.gid;
        n.atime_ns = rec.atime_ns;
        n.mtime_ns = rec.mtime_ns;
        n.ctime_ns = rec.ctime_ns;
        n.goal = rec.goal;
        n.trashtime = rec.trashtime;
        n.rdev = rec.rdev;
        n.length = rec.length;
        if (rec.chunks.size() > msg::kMaxChunksPerFile || (!rec.chunks.empty() && !rec.chunk_pairs.empty()))
          return bad("inode " + std::to_string(rec.id) + ": bad chunk table");
        n.chunks.assign_dense(std::move(rec.chunks));
        if (rec.chunk_pairs.size() % 2) return bad("inode " + std::to_string(rec.id) + ": bad chunk table");
        for (size_t i = 0; i < rec.chunk_pairs.size(); i += 2) {
          uint64_t slot = rec.chunk_pairs[i], id = rec.chunk_pairs[i + 1];
          if (slot >= msg::kMaxChunksPerFile || id == 0 || (i > 0 && slot <= rec.chunk_pairs[i - 2]))
            return bad("inode " + std::to_string(rec.id) + ": bad chunk table");
          n.chunks.set(slot, id);
        }
        if (n.length > msg::kMaxFileLength) {
          // Written by an older master that took any length:
          // the file keeps what its chunks hold.
          n.length = std::min<uint64_t>(n.chunks.slots() * msg::kChunkSize, msg::kMaxFileLength);
          log::warn("{}: inode {} had length {}, above the 4 PiB a file may have: repaired to {}", path, n.id,
                    rec.length, n.length);
        }
        if (!rec.target.empty()) targets_[n.id] = std::move(rec.target);
        n.eattr = rec.eattr;
        if (n.type == msg::kDir) n.children = std::make_unique<DirEntries>();
      }
    } else if (tag == "EDGE") {
      if (!r.get(count)) return bad("EDGE: bad count");
      for (uint64_t i = 0; i < count; i++) {
        EdgeRec e;
        if (!r.get(e)) return bad("EDGE: bad record");
        Node* p = mut(e.parent);
        Node* c = mut(e.child);
        if (!p || !c || !p->children) return bad("EDGE: entry " + e.name + " names a missing inode");
        (*p->children)[e.name] = e.child;
        c->nlink++;
        if (c->type == msg::kDir) {
          c->parent = p->id;
          p->subdirs++;
        } else {
          add_parent(*c, p->id);
        }
      }
    } else if (tag == "CHNK") {
      if (!r.get(count)) return bad("CHNK: bad count");
      for (uint64_t i = 0; i < count; i++) {
        ChunkRec c;
        if (!r.get(c)) return bad("CHNK: bad record");
        chunks_[c.id] = ChunkMeta{c.version, 0, c.goal};
      }
    } else if (tag == "TRSH") {
      if (!r.get(count)) return bad("TRSH: bad count");
      for (uint64_t i = 0; i < count; i++) {
        TrashRec t;
        if (!r.get(t)) return bad("TRSH: bad record");
        trash_[t.inode] = TrashInfo{std::move(t.path), t.deleted_ns};  // indexed below, once nodes are known
      }
    } else if (tag == "XATR") {
      if (!r.get(count)) return bad("XATR: bad count");
      for (uint64_t i = 0; i < count; i++) {
        ExtraRec x;
        if (!r.get(x)) return bad("XATR: bad record");
        Node* n = mut(x.inode);
        if (!n) return bad("XATR: inode " + std::to_string(x.inode) + " does not exist");
        Extra& e = extra(*n);
        for (auto& a : x.xattrs) e.xattrs[std::move(a.name)] = std::move(a.value);
        if (!x.access.empty() && !(e.access = acl_from_xattr(x.access)))
          return bad("XATR: bad access ACL of inode " + std::to_string(x.inode));
        if (!x.dflt.empty() && !(e.dflt = acl_from_xattr(x.dflt)))
          return bad("XATR: bad default ACL of inode " + std::to_string(x.inode));
        drop_extra_if_empty(*n);
      }
    } else if (tag == "QUOT") {
      if (!r.get(count)) return bad("QUOT: bad count");
      for (uint64_t i = 0; i < count; i++) {
        QuotaRec q;
        if (!r.get(q)) return bad("QUOT: bad record");
        Node* n = mut(q.inode);
        if (!n || n->type != msg::kDir) return bad("QUOT: inode " + std::to_string(q.inode) + " is not a directory");
        n->has_quota = true;
        quotas_[q.inode] = Quota{{q.soft_inodes, q.soft_length, q.soft_size, q.soft_realsize},
                                 {q.hard_inodes, q.hard_length, q.hard_size, q.hard_realsize},
                                 q.grace,
                                 q.exceeded_ns};
      }
    } else if (tag == "EPCH") {
      if (!r.get(epoch_) || !r.get(epoch_id_)) return bad("EPCH: bad record");
    } else if (tag == "END ") {
      ended = true;
    }  // unknown sections are skipped: newer writers may add some
    pos += len + 4;
  }
  Node* root = mut(kRootInode);
  if (!root || root->type != msg::kDir) return bad("no root directory");
  root->parent = kRootInode;
  root->nlink = 1;
  for (auto& [id, n] : nodes_) {
    Status unknown;
    uint8_t goal = n.goal;
    uint32_t ino = id;
    n.chunks.for_each([&](uint64_t, uint64_t c) {
      if (!chunks_.count(c)) unknown = bad("inode " + std::to_string(ino) + " uses unknown chunk " + std::to_string(c));
      else chunk_ref(c, goal);
    });
    if (!unknown.ok()) return unknown;
  }
  for (const auto& [id, t] : trash_) {
    const Node* n = node(id);
    if (!n || n->nlink != 0) return bad("TRSH: inode " + std::to_string(id) + " is not a deleted file");
    trash_expiry_.emplace(t.deleted_ns + int64_t{n->trashtime} * 1000000000, id);
    trash_bytes_ += n->length;
  }
  for (const auto& [id, n] : nodes_)
    if (n.nlink == 0 && id != kRootInode && !trash_.count(id)) sustained_.insert(id);
  recompute_usage();
  return Status();
}

}  // namespace antler::master

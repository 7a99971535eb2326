// The master's metadata: the namespace and the chunk registry, in RAM.
//
// apply() is the only way to change it and is used live, in changelog
// replay and in tests. It validates structure (existence, emptiness, loops)
// and either changes nothing and returns an error, or applies the whole
// operation. Permission checks need credentials and live in perm.h; they
// happen before an operation is built.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/msg/base.h"
#include "common/msg/client.h"
#include "common/msg/tools.h"
#include "common/status.h"
#include "daemons/master/fs/acl.h"
#include "daemons/master/fs/chunk_table.h"
#include "daemons/master/fs/ops.h"

namespace antler::master {

constexpr uint32_t kRootInode = 1;
constexpr uint32_t kMaxNameLen = 255;

// What a directory tree holds (mfsdirinfo's figures). Quotas limit inodes,
// length, size and realsize. A file's size is what its chunks take on one
// server: each chunk its 8 KiB header plus its data rounded up to 64 KiB
// blocks (a full chunk 64 MiB); realsize is size times the file's goal. A
// file with two names counts once under each.
struct Usage {
  int64_t inodes = 0, dirs = 0, files = 0, chunks = 0, length = 0, size = 0, realsize = 0;
  Usage& add(const Usage& o, int sign);
  bool operator==(const Usage&) const = default;
};

// A directory's entries, and the usage of everything below it (not
// counting the directory itself).
struct DirEntries : std::map<std::string, uint32_t> {
  Usage usage;
};

// Per-directory quota: limits on the usage below the directory (0: none).
// Past a hard limit an operation that would grow that figure fails with
// kQuota; past a soft limit for longer than the grace period, too.
enum QuotaKind : uint8_t { kQInodes = 0, kQLength = 1, kQSize = 2, kQRealsize = 3 };
struct Quota {
  std::array<uint64_t, 4> soft{}, hard{};  // by QuotaKind
  uint32_t grace_s = 0;                    // 0: the master's default (QUOTA_DEFAULT_GRACE_PERIOD)
  int64_t exceeded_ns = 0;                 // since when some soft limit is exceeded (0: none is)
  bool empty() const { return soft == std::array<uint64_t, 4>{} && hard == std::array<uint64_t, 4>{}; }
  bool operator==(const Quota&) const = default;
};

// One inode. Fields are ordered so that no padding sits between them: the
// namespace holds one Node per file, and each byte here is a megabyte per
// million files (docs/decisions/0005-master-memory-per-inode.md has the budget).
struct Node {
  uint32_t id = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 0;  // names pointing at it (directories: 1 parent name)
  uint32_t trashtime = 0;
  uint32_t rdev = 0;
  uint32_t parent = 0;   // the containing directory; other nodes: one holding a name (0: none), see Fs::parents()
  uint32_t subdirs = 0;  // directories only
  uint16_t mode = 0;
  uint8_t type = msg::kFile;
  uint8_t goal = 1;
  uint8_t eattr = 0;       // msg::EattrBits
  bool has_extra = false;  // Fs::extra_of() has an entry (xattrs or ACLs); fills padding
  bool has_quota = false;  // directories: Fs::quota() has an entry; fills padding
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint64_t length = 0;  // files
  ChunkTable chunks;    // files: chunk id per 64 MiB slot, 0 = hole
  // (a symlink's target is kept by Fs, outside the node: see Fs::target())
  std::unique_ptr<DirEntries> children;  // directories
};

// A chunk as the metadata knows it. Where its copies are is runtime state
// kept by the chunk registry (chunks.h), not here.
struct ChunkMeta {
  uint32_t version = 0;
  uint32_t refs = 0;  // file slots pointing at it
  uint8_t goal = 1;   // the highest goal among the files using it
};

// A file in the trash: where it was, and when it was deleted. It leaves the
// trash trashtime seconds later (purged), or by undelete or purge.
struct TrashInfo {
  std::string path;  // relative to the root, without a leading '/'
  int64_t deleted_ns = 0;
};

// What few inodes have: extended attributes and ACLs, kept beside the
// nodes (Fs::extra_of) so that Node stays small.
struct Extra {
  std::map<std::string, std::string> xattrs;  // user.*, trusted.*, security.*
  // Access ACL: only the owning group and named entries count; the owner,
  // mask and other permissions are the mode's (see acl.h).
  std::optional<Acl> access;
  std::optional<Acl> dflt;  // directories: default ACL, in full
  bool empty() const { return xattrs.empty() && !access && !dflt; }
};

// What the last OpSetAttrib did.
struct SetResult {
  uint64_t changed = 0, not_changed = 0, not_permitted = 0;
};

class Fs {
 public:
  // A new file system: root directory with the given goal and trash time.
  void init_empty(uint64_t cluster_id, int64_t now_ns, uint8_t root_goal, uint32_t root_trashtime);

  St apply(const Op& op, int64_t time_ns);

  const Node* node(uint32_t id) const;
  // Child inode of dir by name, or 0.
  uint32_t child(uint32_t dir, const std::string& name) const;
  msg::Attr attr(const Node& n) const;
  // Target of a symlink ("" for other nodes). Kept apart from Node: few
  // nodes are symlinks, and every byte of Node counts per million files.
  const std::string& target(const Node& n) const;
  const ChunkMeta* chunk(uint64_t id) const;
  // Extended attributes and ACLs of an inode, or nullptr if it has none.
  const Extra* extra_of(uint32_t id) const;
  // The complete access ACL of n (owner, mask and other from its mode), or
  // nullopt if n has none.
  std::optional<Acl> access_acl(const Node& n) const;
  // The default ACL of directory n, or nullptr.
  const Acl* default_acl(const Node& n) const;
  const std::unordered_map<uint64_t, ChunkMeta>& chunks() const { return chunks_; }

  uint64_t version() const { return version_; }
  void set_version(uint64_t v) { version_ = v; }
  uint64_t cluster_id() const { return cluster_id_; }
  // The cluster epoch (OpEpoch): 0 until the first promotion.
  uint64_t epoch() const { return epoch_; }
  uint64_t epoch_id() const { return epoch_id_; }
  uint32_t next_inode() { return next_inode_; }
  // The id the next new chunk gets; it is taken by committing OpChunkId.
  uint64_t next_chunk_id() const { return next_chunk_id_; }
  size_t node_count() const { return nodes_.size(); }
  const std::unordered_map<uint32_t, Node>& nodes() const { return nodes_; }
  // Files with no name left that stay because they are open (nlink 0),
  // not counting files in the trash. In inode order.
  std::vector<uint32_t> sustained() const { return {sustained_.begin(), sustained_.end()}; }
  // Files in the trash, by inode.
  const std::map<uint32_t, TrashInfo>& trash() const { return trash_; }
  // The trash by expiry time (deletion time + the file's trash time then),
  // earliest first: (expiry ns, inode).
  const std::set<std::pair<int64_t, uint32_t>>& trash_expiry() const { return trash_expiry_; }
  // Sum of the lengths of the files in the trash (kept as they change).
  uint64_t trash_bytes() const { return trash_bytes_; }
  const SetResult& last_set() const { return last_set_; }
  // Usage of a node: a directory's own inode plus everything below it.
  Usage usage(const Node& n) const;
  // Quota of a directory, or nullptr.
  const Quota* quota(uint32_t dir) const;
  const std::map<uint32_t, Quota>& quotas() const { return quotas_; }
  // Whether adding `grow` below directory dir (and so below each directory
  // above it) stays within every quota on the way at time now_ns: kOk or
  // kQuota. Directories in `except` (and those above them) are skipped:
  // a rename within them does not change their usage. A quota whose soft
  // limit has been exceeded for longer than its grace period (grace_s, or
  // default_grace_s) acts as a hard one.
  St quota_allows(uint32_t dir, const Usage& grow, int64_t now_ns, uint32_t default_grace_s, uint32_t except = 0) const;
  static constexpr uint32_t kNoSlot = ~0u;
  // Usage of a file that would have length `length` and a chunk at slot
  // `index` (for the quota check before a write).
  Usage file_usage_if(const Node& f, uint64_t length, uint32_t index) const;
  // Directories holding a name of n: a directory's parent; for other nodes
  // each directory with one of its names (twice if it holds two), none for
  // a deleted file. Sorted.
  std::vector<uint32_t> parents(const Node& n) const;
  // Whether inode id lies in the tree of directory root: it is root, or
  // root is above it through one of its names (any of a hard link's). The
  // confinement of a subfolder export: a deleted file lies in no tree.
  bool within(uint32_t root, uint32_t id) const;
  // Path of a directory from the root ("" for the root itself).
  std::string dir_path(uint32_t dir) const;
  // Every path of n from the root, one per name, without a leading '/'
  // (n's parents() order); none for the root or a deleted file.
  std::vector<std::string> paths(const Node& n) const;
  // The node's goal, trash time or eattr (what: msg::ToolAttr).
  static uint32_t attrib(const Node& n, uint8_t what) {
    return what == msg::kAttrGoal ? n.goal : what == msg::kAttrTrashtime ? n.trashtime : n.eattr;
  }
  // "dir/name" for a path from the root ("" is the root itself).
  static std::string join(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
  }
  // Whether uid may change the node's goal, trash time or eattr.
  static bool owns(const Node& n, uint32_t uid) { return uid == 0 || n.uid == uid || (n.eattr & msg::kEattrNoOwner); }

  // Chunks whose last reference went away during apply(); the server sends
  // deletions for them and clears the list.
  std::vector<uint64_t>& released_chunks() { return released_; }

  // Deterministic full text dump of the state (tests compare these).
  std::string dump() const;

  // Binary image (see image.cc and docs/formats.md). Errors name the file:
  // "PATH: fsync: <strerror>", "PATH: section NODE truncated".
  Status save_image(const std::string& path) const;
  Status load_image(const std::string& path);
  // Reads only the header of an image: its metadata version.
  static Result<uint64_t> image_version(const std::string& path);

 private:
  St apply_op(const OpCreate& o, int64_t t);
  St apply_op(const OpSymlink& o, int64_t t);
  St apply_op(const OpUnlink& o, int64_t t);
  St apply_op(const OpRename& o, int64_t t);
  St apply_op(const OpLink& o, int64_t t);
  St apply_op(const OpSetattr& o, int64_t t);
  St apply_op(const OpTruncate& o, int64_t t);
  St apply_op(const OpWrite& o, int64_t t);
  St apply_op(const OpSetChunk& o, int64_t t);
  St apply_op(const OpChunkId& o, int64_t t);
  St apply_op(const OpEpoch& o, int64_t t);
  St apply_op(const OpSetVersion& o, int64_t t);
  St apply_op(const OpPurge& o, int64_t t);
  St apply_op(const OpSetAttrib& o, int64_t t);
  St apply_op(const OpUndel& o, int64_t t);
  St apply_op(const OpSnapshot& o, int64_t t);
  St apply_op(const OpAppendChunks& o, int64_t t);
  St apply_op(const OpAccess& o, int64_t t);
  St apply_op(const OpSetQuota& o, int64_t t);
  St apply_op(const OpSetXattr& o, int64_t t);
  St apply_op(const OpRmXattr& o, int64_t t);
  St apply_op(const OpSetAcl& o, int64_t t);
  St apply_op(const OpRepair& o, int64_t t);  // fs_repair.cc

  Node* mut(uint32_t id);
  Node* dir(uint32_t id, St* st);
  St check_new_name(const Node& parent, const std::string& name) const;
  Node& add_node(uint32_t id, uint8_t type, uint16_t mode, uint32_t uid, uint32_t gid, const Node& parent, int64_t t);
  void attach(Node& parent, const std::string& name, Node& child, int64_t t);
  void detach(Node& parent, const std::string& name, Node& child, int64_t t);
  // Drops one name of a node (path: that name's path, for the trash). With
  // no name left a file with a trash time goes to the trash; otherwise with
  // sustain it stays (nlink 0) until OpPurge; otherwise it is freed.
  void drop_link(Node& n, bool sustain, const std::string& path, int64_t t);
  // The trash and its expiry index change together.
  void to_trash(const Node& n, std::string path, int64_t deleted_ns);
  bool out_of_trash(uint32_t id);  // false if it was not in the trash
  // Parents of non-directories: Node::parent holds one, more_parents_ the rest.
  void add_parent(Node& n, uint32_t dir);
  // Calls f(dir) for each directory holding a name of n (as parents(),
  // unsorted, without building a vector: used on every write).
  template <class F>
  void each_parent(const Node& n, F f) const {
    if (n.parent != 0 && (n.type != msg::kDir || n.id != kRootInode)) f(n.parent);
    if (more_parents_.empty()) return;
    if (auto more = more_parents_.find(n.id); more != more_parents_.end())
      for (uint32_t d : more->second) f(d);
  }
  void remove_parent(Node& n, uint32_t dir);
  void free_node(Node& n);
  void release_chunks_from(Node& f, uint32_t first_index);
  // Chunk references from files, with the file's goal (a chunk's goal is
  // the highest goal of the files using it).
  void chunk_ref(uint64_t id, uint8_t goal);
  void chunk_unref(uint64_t id, uint8_t goal);
  void chunk_regoal(uint64_t id, uint8_t from, uint8_t to);
  // Snapshot helpers (fs_snapshot.cc).
  St snapshot_check(const Node& src, const Node* existing, uint64_t* count) const;
  void snapshot_copy(const Node& src, Node& dst_parent, const std::string& name, const OpSnapshot& o,
                     uint32_t& next_inode, std::unordered_map<uint32_t, uint32_t>& links, int64_t t);
  bool is_ancestor(uint32_t ancestor, uint32_t id) const;
  // Usage bookkeeping (fs_quota.cc). add_usage() adds (sign 1) or removes
  // (-1) d at dir and every directory above it; file_changed() passes on the
  // change of a file's usage from `before` to each directory holding it.
  // Quotas touched are noted, and their soft-limit timers set when apply()
  // ends (a rename inside a quota directory does not restart its grace).
  void add_usage(uint32_t dir, const Usage& d, int sign);
  void file_changed(const Node& f, const Usage& before);
  void update_quota_timers(int64_t t);
  void recompute_usage();  // after loading an image
  // Extra data of a node, created on first use; drop_extra_if_empty() removes
  // an entry with nothing left in it.
  Extra& extra(Node& n);
  void drop_extra_if_empty(Node& n);
  // Access (and, for directories, default) ACL of a node created under
  // parent, from parent's default ACL (fs_xattr.cc).
  void inherit_acl(const Node& parent, Node& n);

  std::unordered_map<uint32_t, Node> nodes_;
  std::unordered_map<uint64_t, ChunkMeta> chunks_;
  std::vector<uint64_t> released_;
  std::map<uint32_t, TrashInfo> trash_;
  std::set<std::pair<int64_t, uint32_t>> trash_expiry_;               // derived from trash_
  std::set<uint32_t> sustained_;                                      // derived: nlink 0, not in trash_
  uint64_t trash_bytes_ = 0;                                          // derived: lengths of trash_ files
  std::unordered_map<uint32_t, std::string> targets_;                 // symlinks
  std::unordered_map<uint32_t, std::vector<uint32_t>> more_parents_;  // hard links: their other directories
  std::unordered_map<uint32_t, Extra> extra_;
  // Goals of the files sharing a chunk (refs > 1 only): count per goal.
  std::unordered_map<uint64_t, std::array<uint32_t, 10>> shared_goals_;
  std::map<uint32_t, Quota> quotas_;
  std::vector<uint32_t> touched_quotas_;
  SetResult last_set_;
  uint64_t version_ = 0;
  uint64_t cluster_id_ = 0;
  uint64_t epoch_ = 0;
  uint64_t epoch_id_ = 0;
  uint32_t next_inode_ = 2;
  uint64_t next_chunk_id_ = 1;
};

}  // namespace antler::master

// The client-request handlers of port 9421, shared by the files that hold
// them (one file per subject: client_ops.cc namespace, client_chunks.cc chunk
// leases and truncation, ...). Internal to mfsmaster.
#pragma once

#include <algorithm>
#include <string_view>

#include "common/log.h"
#include "common/net.h"
#include "daemons/master/fs/perm.h"
#include "daemons/master/master.h"

namespace antler::master {

struct ClientCtx {
  bool hello = false;
  bool cli = false;  // mfscli (Hello role kRoleTool): no session, admin.cc's requests only
  uint64_t session = 0;
  // A registration waiting for the answer to its password challenge.
  bool challenged = false;
  msg::ClRegister pending;
  std::string nonce;
};

class ClientOps {
 public:
  ClientOps(Master& m, const LinkPtr& link, ClientCtx& ctx) : m_(m), link_(link), ctx_(ctx) {}

  // Every answer waits for SYNC_METALOGGERS (Master::reply_synced).
  template <class R>
  void reply(const R& r) {
    m_.reply_synced(link_, net::frame(r), m_.fs_.version() != start_version_);
  }
  void status(uint32_t req, St st) { reply(msg::ClStatusReply{req, st, {}}); }

  Session* session() { return m_.sessions_.find(ctx_.session); }
  // Client inode numbers: 1 is the session's root. A subfolder session
  // reaches only its tree (Fs::within) and the files it holds open (an
  // unlinked one lies in no tree; not directories: one moved out of the
  // tree would open the rest of it): any other inode is 0, which no node has,
  // so every handler answers kNoEnt as if it did not exist.
  // A meta session reaches only deleted files (in the trash, or sustained).
  uint32_t in(uint32_t ino) const {
    uint32_t id = ino == kRootInode ? sess_->root : ino;
    if (sess_->meta) return deleted(id) || sess_->open.count(id) ? id : 0;
    if (sess_->root == kRootInode || id == sess_->root) return id;  // no lookup for a whole-tree session
    return m_.fs_.within(sess_->root, id) || holds_open_file(id) ? id : 0;
  }
  bool holds_open_file(uint32_t id) const {
    const Node* n = sess_->open.count(id) ? m_.fs_.node(id) : nullptr;
    return n && n->type != msg::kDir;
  }
  bool deleted(uint32_t id) const {
    const Node* n = m_.fs_.node(id);
    return n && n->type != msg::kDir && n->nlink == 0;
  }
  // Whether this session holds ino open for every mode in modes (kR, kW):
  // chunk reads and writes need what the open checked.
  bool opened_for(uint32_t ino, uint8_t modes) const {
    return (SessionTable::open_modes(*sess_, ino) & modes) == modes;
  }
  msg::Attr out(msg::Attr a) const {
    if (a.inode == sess_->root) a.inode = kRootInode;
    return a;
  }
  // The export's identity mapping: root becomes maproot (unless maproot=0),
  // every other user mapall when the export has one.
  msg::Cred map(msg::Cred c) const {
    const ExportRule& r = sess_->rule;
    if (c.uid == 0) {
      if (r.maproot_uid != 0) {
        c.uid = r.maproot_uid;
        c.gid = r.maproot_gid;
        c.groups.clear();
      }
    } else if (r.has_mapall) {
      c.uid = r.mapall_uid;
      c.gid = r.mapall_gid;
      c.groups.clear();
    }
    return c;
  }
  // kPerm if the export disables op (disable=), else kOk.
  St disabled(Disable op) const { return sess_->rule.disabled(op) ? St::kPerm : St::kOk; }
  // For every change to the file system: kRoFs on a read-only export, then
  // disabled(op).
  St writable(Disable op) const { return sess_->rule.readonly ? St::kRoFs : disabled(op); }
  // The export's goal and trash time ranges (mingoal.., mintrashtime..):
  // clamp_* bring a value into range; *_allowed tell whether a tool may set it.
  uint8_t clamp_goal(uint8_t g) const { return std::clamp(g, sess_->rule.min_goal, sess_->rule.max_goal); }
  uint32_t clamp_trashtime(uint32_t t) const {
    return std::clamp(t, sess_->rule.min_trashtime, sess_->rule.max_trashtime);
  }
  bool goal_allowed(uint8_t g) const { return g >= sess_->rule.min_goal && g <= sess_->rule.max_goal; }
  bool trashtime_allowed(uint32_t t) const { return t >= sess_->rule.min_trashtime && t <= sess_->rule.max_trashtime; }
  bool admin() const { return sess_->rule.admin; }
  // Quotas (client_quota.cc): kQuota if adding `grow` below dir passes a
  // quota on the way up (Fs::quota_allows; `except`: a rename's source
  // directory); file_may_grow: the same for file f getting length `length`
  // and a chunk at slot `index` (Fs::kNoSlot: none), for each of its names.
  St quota_allows(uint32_t dir, const Usage& grow, uint32_t except = 0) const;
  St file_may_grow(const Node& f, uint64_t length, uint32_t index) const;
  uint32_t default_grace() const;
  static Usage one_inode() {
    Usage u;
    u.inodes = 1;
    return u;
  }
  void attr_reply(uint32_t req, St st, uint32_t ino, std::initializer_list<uint32_t> changed_dirs = {}) {
    msg::ClAttrReply r{req, st, {}, {}};
    if (st == St::kOk) {
      const Node* n = m_.fs_.node(ino);
      if (!n) r.status = St::kNoEnt;
      else r.attr = out(m_.fs_.attr(*n));
      if (n) r.dirs = dirs(changed_dirs);
    }
    reply(r);
  }
  // The reply to an unlink or rename: its status, and on success the
  // directories it changed (ClStatusReply.dirs).
  void changed_reply(uint32_t req, St st, std::initializer_list<uint32_t> changed_dirs) {
    msg::ClStatusReply r{req, st, {}};
    if (st == St::kOk) r.dirs = dirs(changed_dirs);
    reply(r);
  }
  std::vector<msg::Attr> dirs(std::initializer_list<uint32_t> inodes) const {
    std::vector<msg::Attr> v;
    uint32_t last = 0;
    for (uint32_t ino : inodes) {
      const Node* d = m_.fs_.node(ino);
      if (d && d->type == msg::kDir && ino != last) v.push_back(out(m_.fs_.attr(*d)));
      last = ino;
    }
    return v;
  }

  bool dispatch(uint32_t type, std::string_view payload);

 private:
  template <class M, class F>
  bool handle(std::string_view payload, F f) {
    M m;
    if (!net::decode(payload, m)) {
      log::warn("client {}: undecodable message type {} ({} bytes): closing connection", link_->peer, M::kType,
                payload.size());
      return false;
    }
    sess_ = session();
    if (!sess_) {
      reply(msg::ClStatusReply{m.req, St::kBadSession, {}});
      return true;
    }
    if (sess_->meta && !meta_request(M::kType)) {
      // A meta mount lists, restores and purges the trash: nothing of the
      // namespace itself, whatever the rule for "/" says.
      log::warn("client {}: meta session {:016x} sent namespace request type {}: refused", link_->peer, sess_->id,
                M::kType);
      reply(msg::ClStatusReply{m.req, St::kPerm, {}});
      return true;
    }
    m_.in_request_ = true;
    start_version_ = m_.fs_.version();
    f(m);
    m_.in_request_ = false;
    return true;
  }
  // Permission check of every handler: mode bits or the inode's access ACL,
  // and the export's ignoregid. (Hides master::may() inside the handlers.)
  bool may(const Node& n, const msg::Cred& c, int mask) const {
    bool ignoregid = sess_->rule.ignoregid;
    if (!n.has_extra) return master::may(n, c, mask, nullptr, ignoregid);
    std::optional<Acl> acl = m_.fs_.access_acl(n);
    return master::may(n, c, mask, acl ? &*acl : nullptr, ignoregid);
  }
  // Parent directory checks shared by every operation that adds or removes a name.
  // add: the operation adds a name (create, link, rename's target side).
  St dir_write_check(uint32_t parent, const msg::Cred& c, const Node** p, Disable op, bool add = true) {
    if (St st = writable(op); st != St::kOk) return st;
    *p = m_.fs_.node(parent);
    if (!*p) return St::kNoEnt;
    if ((*p)->type != msg::kDir) return St::kNotDir;
    if (eattr_locks_dir(**p, add)) return St::kPerm;
    if (!may(**p, c, kW | kX)) return St::kAccess;
    return St::kOk;
  }

  // An access to n (read, readdir, readlink): atime moves as ATIME_MODE says.
  void accessed(const Node& n);
  static Disable create_kind(uint8_t type) {
    switch (type) {
      case msg::kDir: return Disable::kMkdir;
      case msg::kFifo: return Disable::kMkfifo;
      case msg::kSocket: return Disable::kMksock;
      case msg::kBlockDev:
      case msg::kCharDev: return Disable::kMkdev;
      default: return Disable::kCreate;
    }
  }
  // What a new inode under parent gets in place of the parent's goal and
  // trash time when the export's ranges exclude them (else left to inherit).
  void inherit(const Node& parent, uint8_t* goal, int64_t* trashtime) const {
    if (uint8_t g = clamp_goal(parent.goal); g != parent.goal) *goal = g;
    if (uint32_t t = clamp_trashtime(parent.trashtime); t != parent.trashtime) *trashtime = t;
  }

  // Copy-on-write: slot `index` of file ino holds chunk cid, which other
  // files share; done(status, new chunk id, servers holding it).
  static void copy_on_write(Master& master, uint32_t ino, uint32_t index, uint64_t cid, uint32_t length,
                            const std::function<void(St, uint64_t, const std::vector<uint32_t>&)>& done);

  void lookup(const msg::ClLookup& m);
  void getattr(const msg::ClGetattr& m) { attr_reply(m.req, St::kOk, in(m.inode)); }
  void setattr(const msg::ClSetattr& m);
  void truncate(const msg::ClSetattr& m, uint32_t ino, const msg::Cred& c);
  void mknod(const msg::ClMknod& m);
  void unlink(const msg::ClUnlink& m);
  void symlink(const msg::ClSymlink& m);
  void readlink(const msg::ClReadlink& m);
  void rename(const msg::ClRename& m);
  void link(const msg::ClLink& m);
  void readdir(const msg::ClReaddir& m);
  void statfs(const msg::ClStatfs& m);
  void access(const msg::ClAccess& m);
  void open(const msg::ClOpen& m);
  void release(const msg::ClRelease& m);
  void read_chunk(const msg::ClReadChunk& m);
  void write_chunk(const msg::ClWriteChunk& m);
  void write_chunk_end(const msg::ClWriteChunkEnd& m);
  // client_tools.cc
  void tool_get(const msg::ClToolGet& m);
  void tool_set(const msg::ClToolSet& m);
  void snapshot(const msg::ClSnapshot& m);
  void append_chunks(const msg::ClAppendChunks& m);
  bool meta_allowed(const msg::Cred& c) const;
  // The requests a meta session may send (what mfsmount -m uses): the
  // trash, reading a deleted file, and the diagnostic tools on one.
  static bool meta_request(uint32_t type) {
    switch (type) {
      case msg::ClTrashList::kType:
      case msg::ClUndel::kType:
      case msg::ClTrashPurge::kType:
      case msg::ClStatfs::kType:
      case msg::ClOpen::kType:
      case msg::ClRelease::kType:
      case msg::ClReadChunk::kType: return true;
      default: return type >= msg::ClFileInfo::kType && type <= msg::ClFileRepair::kType;
    }
  }
  void trash_list(const msg::ClTrashList& m);
  void undel(const msg::ClUndel& m);
  void trash_purge(const msg::ClTrashPurge& m);
  void quota(const msg::ClQuota& m);
  // Diagnostic and repair tools (client_diag.cc).
  void file_info(const msg::ClFileInfo& m);
  void file_paths(const msg::ClFilePaths& m);
  void dir_info(const msg::ClDirInfo& m);
  void file_repair(const msg::ClFileRepair& m);
  // Extended attributes and ACLs (client_xattr.cc).
  void getxattr(const msg::ClGetXattr& m);
  void listxattr(const msg::ClListXattr& m);
  void setxattr(const msg::ClSetXattr& m);
  void removexattr(const msg::ClRemoveXattr& m);
  // Permission checks shared by setxattr and removexattr.
  St xattr_write_check(const Node& n, const msg::Cred& c, XattrNs ns, const std::string& name);
  // client_locks.cc
  void lock(const msg::ClLock& m);
  void lock_cancel(const msg::ClLockCancel& m);
  void get_lock(const msg::ClGetLock& m);
  void append(const msg::ClAppend& m);
  // Keeps the request being handled until the lock grace period ends.
  void defer(uint32_t type);

  Master& m_;
  LinkPtr link_;
  ClientCtx& ctx_;
  Session* sess_ = nullptr;
  uint64_t start_version_ = 0;  // the metadata version when the request came
  std::string_view payload_;    // of the request being handled (for defer)
};

}  // namespace antler::master

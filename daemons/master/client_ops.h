// The client-request handlers of port 9421, shared by the files that hold
// them (one file per subject: client_ops.cc namespace, client_chunks.cc chunk
// leases and truncation, ...). Internal to mfsmaster.
#pragma once

#include <string_view>

#include "common/log.h"
#include "common/net.h"
#include "daemons/master/master.h"
#include "daemons/master/perm.h"

namespace antler::master {

inline uint8_t u8(St s) { return static_cast<uint8_t>(s); }

struct ClientCtx {
  bool hello = false;
  uint64_t session = 0;
};

class ClientOps {
 public:
  ClientOps(Master& m, const LinkPtr& link, ClientCtx& ctx) : m_(m), link_(link), ctx_(ctx) {}

  template <class R>
  void reply(const R& r) {
    link_->send(net::frame(r));
  }
  void status(uint32_t req, St st) { reply(msg::ClStatusReply{req, u8(st)}); }

  Session* session() {
    auto it = m_.sessions.find(ctx_.session);
    return it == m_.sessions.end() ? nullptr : &it->second;
  }
  // Client inode numbers: 1 is the session's root.
  uint32_t in(uint32_t ino) const { return ino == kRootInode ? sess_->root : ino; }
  msg::Attr out(msg::Attr a) const {
    if (a.inode == sess_->root) a.inode = kRootInode;
    return a;
  }
  msg::Cred map(msg::Cred c) const {
    const ExportRule& r = sess_->rule;
    if (r.has_mapall) {
      c.uid = r.mapall_uid;
      c.gid = r.mapall_gid;
      c.groups.clear();
    } else if (c.uid == 0) {
      c.uid = r.maproot_uid;
      c.gid = r.maproot_gid;
      if (r.maproot_uid != 0) c.groups.clear();
    }
    return c;
  }
  void attr_reply(uint32_t req, St st, uint32_t ino) {
    msg::ClAttrReply r{req, u8(st), {}};
    if (st == St::kOk) {
      const Node* n = m_.fs.node(ino);
      if (!n) r.status = u8(St::kNoEnt);
      else r.attr = out(m_.fs.attr(*n));
    }
    reply(r);
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
      reply(msg::ClStatusReply{m.req, u8(St::kBadSession)});
      return true;
    }
    f(m);
    return true;
  }
  // Parent directory checks shared by every operation that adds or removes a name.
  // add: the operation adds a name (create, link, rename's target side).
  St dir_write_check(uint32_t parent, const msg::Cred& c, const Node** p, bool add = true) {
    if (sess_->rule.readonly) return St::kRoFs;
    *p = m_.fs.node(parent);
    if (!*p) return St::kNoEnt;
    if ((*p)->type != msg::kDir) return St::kNotDir;
    if (eattr_locks_dir(**p, add)) return St::kPerm;
    if (!may(**p, c, kW | kX)) return St::kAccess;
    return St::kOk;
  }

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
  void trash_list(const msg::ClTrashList& m);
  void undel(const msg::ClUndel& m);
  void trash_purge(const msg::ClTrashPurge& m);
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
  std::string_view payload_;  // of the request being handled (for defer)
};

}  // namespace antler::master

// Client and tool requests on port 9421: one handler per message.
#include <fcntl.h>

#include "daemons/master/service/client_ops.h"

namespace antler::master {

void ClientOps::accessed(const Node& n) {
  // ATIME_MODE (as MooseFS): 0 always, 1 files only, 2 relatime, 3 relatime
  // for files only, 4 never.
  int64_t mode = m_.settings_.atime_mode;
  if (mode == 4 || sess_->rule.readonly) return;
  if ((mode == 1 || mode == 3) && n.type != msg::kFile) return;
  if (mode == 2 || mode == 3) {
    constexpr int64_t kDay = 86400LL * 1000000000LL;
    int64_t now = Store::now_ns();
    bool stale = n.atime_ns <= n.mtime_ns || n.atime_ns <= n.ctime_ns || now - n.atime_ns >= kDay;
    if (!stale) return;
  }
  m_.commit(OpAccess{n.id});
}

void ClientOps::lookup(const msg::ClLookup& m) {
  msg::Cred c = map(m.cred);
  uint32_t parent = in(m.parent);
  const Node* p = m_.fs_.node(parent);
  if (!p) return attr_reply(m.req, St::kNoEnt, 0);
  if (p->type != msg::kDir) return attr_reply(m.req, St::kNotDir, 0);
  if (!may(*p, c, kX)) return attr_reply(m.req, St::kAccess, 0);
  if (m.name.size() > kMaxNameLen) return attr_reply(m.req, St::kNameTooLong, 0);
  uint32_t ino;
  if (m.name == ".") ino = parent;
  else if (m.name == "..") ino = parent == sess_->root ? parent : p->parent;
  else ino = m_.fs_.child(parent, m.name);
  if (!ino) return attr_reply(m.req, St::kNoEnt, 0);
  if (!(p->eattr & msg::kEattrNoEntryCache)) return attr_reply(m.req, St::kOk, ino);
  // The directory's noentrycache travels on the entry: the client does not
  // cache this name.
  msg::ClAttrReply r{m.req, St::kOk, out(m_.fs_.attr(*m_.fs_.node(ino))), {}};
  r.attr.eattr |= msg::kEattrNoEntryCache;
  reply(r);
}

void ClientOps::setattr(const msg::ClSetattr& m) {
  msg::Cred c = map(m.cred);
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  if (!n) return attr_reply(m.req, St::kNoEnt, 0);
  if (sess_->rule.readonly) return attr_reply(m.req, St::kRoFs, 0);
  St dis = St::kOk;
  if (m.mask & msg::kSetMode) dis = disabled(Disable::kChmod);
  if (dis == St::kOk && (m.mask & (msg::kSetUid | msg::kSetGid))) dis = disabled(Disable::kChown);
  // The client's word that the file is open for writing counts only if
  // this session holds a write handle of it.
  bool opened_for_write = m.opened_for_write && opened_for(ino, kW);
  if (dis == St::kOk && (m.mask & msg::kSetSize)) {
    dis = disabled(opened_for_write ? Disable::kSetlength : Disable::kTruncate);
  }
  if (dis != St::kOk) return attr_reply(m.req, dis, 0);
  bool owner = c.uid == 0 || c.uid == n->uid || (n->eattr & msg::kEattrNoOwner);
  if (n->eattr & (msg::kEattrImmutable | msg::kEattrAppendOnly)) {
    // Only "touch" (times set to now) stays possible on appendonly objects.
    uint32_t now_only = msg::kSetAtimeNow | msg::kSetMtimeNow;
    if ((n->eattr & msg::kEattrImmutable) || (m.mask & ~now_only)) return attr_reply(m.req, St::kPerm, 0);
  }
  OpSetattr op{ino, 0, n->mode, n->uid, n->gid, m.atime_ns, m.mtime_ns};
  if (m.mask & msg::kSetMode) {
    uint16_t mode = m.mode & 07777;
    // A writer's kernel clears suid/sgid through setattr: allow that to anyone.
    bool only_clears = (mode | 06000) == (n->mode | 06000) && (mode & ~n->mode) == 0;
    if (!owner && !only_clears) return attr_reply(m.req, St::kPerm, 0);
    if (c.uid != 0 && n->type != msg::kDir && !in_group(c, n->gid)) mode &= ~02000;
    op.mask |= msg::kSetMode;
    op.mode = mode;
  }
  if (m.mask & (msg::kSetUid | msg::kSetGid)) {
    uint32_t uid = (m.mask & msg::kSetUid) ? m.uid : n->uid;
    uint32_t gid = (m.mask & msg::kSetGid) ? m.gid : n->gid;
    if (c.uid != 0) {
      if (uid != n->uid || c.uid != n->uid) return attr_reply(m.req, St::kPerm, 0);
      if (gid != n->gid && !in_group(c, gid)) return attr_reply(m.req, St::kPerm, 0);
    }
    op.mask |= msg::kSetUid | msg::kSetGid;
    op.uid = uid;
    op.gid = gid;
    if (n->type != msg::kDir && !(m.mask & msg::kSetMode) && (uid != n->uid || gid != n->gid || c.uid != 0)) {
      uint16_t mode = n->mode & ~04000;
      if (mode & 010) mode &= ~02000;
      if (mode != n->mode) {
        op.mask |= msg::kSetMode;
        op.mode = mode;
      }
    }
  }
  uint32_t times = m.mask & (msg::kSetAtime | msg::kSetMtime | msg::kSetAtimeNow | msg::kSetMtimeNow);
  if (times) {
    bool explicit_times = m.mask & (msg::kSetAtime | msg::kSetMtime);
    if (explicit_times && !owner) return attr_reply(m.req, St::kPerm, 0);
    if (!explicit_times && !owner && !may(*n, c, kW)) return attr_reply(m.req, St::kAccess, 0);
    op.mask |= times;
  }
  if (m.mask & msg::kSetSize) {
    if (n->type == msg::kDir) return attr_reply(m.req, St::kIsDir, 0);
    if (n->type != msg::kFile) return attr_reply(m.req, St::kInval, 0);
    if (m.size > msg::kMaxFileLength) return attr_reply(m.req, St::kTooBig, 0);
    if (!opened_for_write && !may(*n, c, kW)) return attr_reply(m.req, St::kAccess, 0);
  }
  if (op.mask) {
    St st = m_.commit(op);
    if (st != St::kOk) return attr_reply(m.req, st, 0);
  }
  if (m.mask & msg::kSetSize) return truncate(m, ino, c);
  attr_reply(m.req, St::kOk, ino);
}

void ClientOps::mknod(const msg::ClMknod& m) {
  msg::Cred c = map(m.cred);
  uint32_t parent = in(m.parent);
  const Node* p = nullptr;
  auto opened = [&](uint32_t ino) {
    if (m.open) m_.sessions_.open_file(*sess_, ino, m.open_mask & (kR | kW));
    attr_reply(m.req, St::kOk, ino);
  };
  if (!m.exclusive) {
    // open(O_CREAT) without O_EXCL on an existing name opens it.
    if (uint32_t ino = m_.fs_.child(parent, m.name)) {
      const Node* pp = m_.fs_.node(parent);
      const Node* n = m_.fs_.node(ino);
      if (pp && !may(*pp, c, kX)) return attr_reply(m.req, St::kAccess, 0);
      if (m.open && (m.open_mask & kW) && sess_->rule.readonly) return attr_reply(m.req, St::kRoFs, 0);
      if (m.open && (m.open_mask & kW) && disabled(Disable::kWrite) != St::kOk) return attr_reply(m.req, St::kPerm, 0);
      if (m.open && (m.open_mask & kR) && disabled(Disable::kRead) != St::kOk) return attr_reply(m.req, St::kPerm, 0);
      if (m.open && !may(*n, c, m.open_mask & (kR | kW))) return attr_reply(m.req, St::kAccess, 0);
      if (m.open && (m.open_mask & kW) && (n->eattr & (msg::kEattrImmutable | msg::kEattrAppendOnly)))
        return attr_reply(m.req, St::kPerm, 0);
      return opened(ino);
    }
  }
  St st = dir_write_check(parent, c, &p, create_kind(m.type));
  if (st != St::kOk) return attr_reply(m.req, st, 0);
  uint16_t mode = m.mode & 07777;
  // A default ACL replaces the umask (as on Linux); OpCreate gives the ACL.
  if (const Acl* d = m_.fs_.default_acl(*p)) mode = acl_create_mode(*d, mode);
  else mode &= static_cast<uint16_t>(~(m.umask & 0777));
  uint32_t gid = c.gid;
  if (p->mode & 02000) {
    gid = p->gid;
    if (m.type == msg::kDir) mode |= 02000;
  }
  if ((mode & 02000) && m.type != msg::kDir && c.uid != 0 && !in_group(c, gid)) mode &= ~02000;
  if ((st = quota_allows(parent, one_inode())) != St::kOk) return attr_reply(m.req, st, 0);
  OpCreate op{parent, m.name, m.type, mode, c.uid, gid, m.rdev, m_.fs_.next_inode()};
  inherit(*p, &op.goal, &op.trashtime);
  st = m_.commit(op);
  if (st != St::kOk) return attr_reply(m.req, st, 0);
  if (m.open) m_.sessions_.open_file(*sess_, op.inode, m.open_mask & (kR | kW));
  attr_reply(m.req, St::kOk, op.inode, {parent});
}

void ClientOps::unlink(const msg::ClUnlink& m) {
  msg::Cred c = map(m.cred);
  uint32_t parent = in(m.parent);
  const Node* p = nullptr;
  St st = dir_write_check(parent, c, &p, m.dir ? Disable::kRmdir : Disable::kUnlink);
  if (st != St::kOk) return status(m.req, st);
  uint32_t ino = m_.fs_.child(parent, m.name);
  const Node* n = m_.fs_.node(ino);
  if (!n) return status(m.req, St::kNoEnt);
  if (m.dir && n->type != msg::kDir) return status(m.req, St::kNotDir);
  if (!m.dir && n->type == msg::kDir) return status(m.req, St::kIsDir);
  if (ino == sess_->root || eattr_keeps_name(*n) || eattr_locks_dir(*p, false)) return status(m.req, St::kPerm);
  if (!sticky_allows(*p, *n, c)) return status(m.req, St::kPerm);
  changed_reply(m.req, m_.commit(OpUnlink{parent, m.name, m_.is_open(ino)}), {parent});
}

void ClientOps::symlink(const msg::ClSymlink& m) {
  msg::Cred c = map(m.cred);
  uint32_t parent = in(m.parent);
  const Node* p = nullptr;
  St st = dir_write_check(parent, c, &p, Disable::kSymlink);
  if (st != St::kOk) return attr_reply(m.req, st, 0);
  if (m.target.size() >= msg::kMaxSymlinkLen) return attr_reply(m.req, St::kNameTooLong, 0);
  if (m.target.empty() || m.target.find('\0') != std::string::npos) return attr_reply(m.req, St::kInval, 0);
  if ((st = quota_allows(parent, one_inode())) != St::kOk) return attr_reply(m.req, st, 0);
  uint32_t gid = (p->mode & 02000) ? p->gid : c.gid;
  OpSymlink op{parent, m.name, m.target, c.uid, gid, m_.fs_.next_inode()};
  inherit(*p, &op.goal, &op.trashtime);
  st = m_.commit(op);
  attr_reply(m.req, st, op.inode, {parent});
}

void ClientOps::readlink(const msg::ClReadlink& m) {
  const Node* n = m_.fs_.node(in(m.inode));
  msg::ClReadlinkReply r{m.req, St::kOk, {}};
  if (!n) r.status = St::kNoEnt;
  else if (n->type != msg::kSymlink) r.status = St::kInval;
  else r.target = m_.fs_.target(*n);
  reply(r);
  if (r.status == St::kOk) accessed(*n);
}

void ClientOps::rename(const msg::ClRename& m) {
  msg::Cred c = map(m.cred);
  uint32_t sp = in(m.parent), dp = in(m.new_parent);
  const Node *s = nullptr, *d = nullptr;
  Disable kind = sp == dp ? Disable::kRename : Disable::kMove;
  St st = dir_write_check(sp, c, &s, kind, false);
  if (st == St::kOk) st = dir_write_check(dp, c, &d, kind);
  if (st != St::kOk) return status(m.req, st);
  const Node* src = m_.fs_.node(m_.fs_.child(sp, m.name));
  if (!src) return status(m.req, St::kNoEnt);
  if (src->id == sess_->root || eattr_keeps_name(*src)) return status(m.req, St::kPerm);
  if (!sticky_allows(*s, *src, c)) return status(m.req, St::kPerm);
  const Node* dst = m_.fs_.node(m_.fs_.child(dp, m.new_name));
  if (dst && (!sticky_allows(*d, *dst, c) || eattr_keeps_name(*dst) || eattr_locks_dir(*d, false)))
    return status(m.req, St::kPerm);
  // Moving a directory elsewhere rewrites its "..": needs write access to it.
  if (sp != dp && src->type == msg::kDir && !may(*src, c, kW)) return status(m.req, St::kAccess);
  if (sp != dp && dst && (m.flags & msg::kRenameExchange) && dst->type == msg::kDir && !may(*dst, c, kW)) {
    return status(m.req, St::kAccess);
  }
  // Quotas: what moves into dp (less a replaced target) must fit there; an
  // exchange moves dst the other way too.
  if (sp != dp) {
    Usage in_dp = m_.fs_.usage(*src);
    if (dst) in_dp.add(m_.fs_.usage(*dst), -1);
    if ((st = quota_allows(dp, in_dp, sp)) != St::kOk) return status(m.req, st);
    if (dst && (m.flags & msg::kRenameExchange)) {
      Usage in_sp;
      in_sp.add(in_dp, -1);
      if ((st = quota_allows(sp, in_sp, dp)) != St::kOk) return status(m.req, st);
    }
  }
  changed_reply(m.req, m_.commit(OpRename{sp, m.name, dp, m.new_name, m.flags, dst && m_.is_open(dst->id)}), {sp, dp});
}

void ClientOps::link(const msg::ClLink& m) {
  msg::Cred c = map(m.cred);
  uint32_t dp = in(m.new_parent), ino = in(m.inode);
  const Node* d = nullptr;
  St st = dir_write_check(dp, c, &d, Disable::kLink);
  if (st != St::kOk) return attr_reply(m.req, st, 0);
  if (const Node* n = m_.fs_.node(ino); n && (n->eattr & (msg::kEattrImmutable | msg::kEattrAppendOnly)))
    return attr_reply(m.req, St::kPerm, 0);
  if (const Node* n = m_.fs_.node(ino); n && n->nlink > 0 && (st = quota_allows(dp, m_.fs_.usage(*n))) != St::kOk)
    return attr_reply(m.req, st, 0);
  st = m_.commit(OpLink{ino, dp, m.new_name});
  attr_reply(m.req, st, ino, {dp});
}

void ClientOps::readdir(const msg::ClReaddir& m) {
  msg::Cred c = map(m.cred);
  const Node* n = m_.fs_.node(in(m.inode));
  msg::ClReaddirReply r{m.req, St::kOk, {}, false};
  if (!n) r.status = St::kNoEnt;
  else if (n->type != msg::kDir) r.status = St::kNotDir;
  else if (!may(*n, c, kR)) r.status = St::kAccess;
  else if (disabled(Disable::kReaddir) != St::kOk) r.status = St::kPerm;
  if (r.status != St::kOk) return reply(r);
  uint32_t max =
      m.max_entries == 0 || m.max_entries > msg::kMaxReaddirEntries ? msg::kMaxReaddirEntries : m.max_entries;
  auto it = n->children->begin();
  uint64_t skip = std::min<uint64_t>(m.offset, n->children->size());
  std::advance(it, static_cast<long>(skip));
  for (; it != n->children->end() && r.entries.size() < max; ++it) {
    const Node* ch = m_.fs_.node(it->second);
    if (ch) r.entries.push_back({it->first, out(m_.fs_.attr(*ch))});
  }
  r.eof = it == n->children->end();
  reply(r);
  if (m.offset == 0) accessed(*n);
}

void ClientOps::statfs(const msg::ClStatfs& m) {
  msg::ClStatfsReply r{m.req, St::kOk, 0, 0, 0, m_.fs_.node_count()};
  r.trash_bytes = m_.fs_.trash_bytes();
  for (const auto& [id, s] : m_.chunks_.servers()) {
    if (!s.connected()) continue;
    r.total_bytes += s.total;
    r.avail_bytes += s.total > s.used ? s.total - s.used : 0;
  }
  reply(r);
}

void ClientOps::access(const msg::ClAccess& m) {
  msg::Cred c = map(m.cred);
  const Node* n = m_.fs_.node(in(m.inode));
  if (!n) return status(m.req, St::kNoEnt);
  if ((m.mask & kW) && sess_->rule.readonly) return status(m.req, St::kRoFs);
  status(m.req, may(*n, c, m.mask & 7) ? St::kOk : St::kAccess);
}

void ClientOps::open(const msg::ClOpen& m) {
  msg::Cred c = map(m.cred);
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  msg::ClOpenReply r{m.req, St::kOk, {}, 0, 0, {}, {}};
  if (!n) r.status = St::kNoEnt;
  else if (sess_->meta && ((m.mask & kW) || !meta_allowed(m.cred))) r.status = St::kPerm;  // deleted files: read only
  else if ((m.mask & kW) && sess_->rule.readonly) r.status = St::kRoFs;
  else if ((m.mask & kW) && disabled(Disable::kWrite) != St::kOk) r.status = St::kPerm;
  else if ((m.mask & kR) && n->type != msg::kDir && disabled(Disable::kRead) != St::kOk) r.status = St::kPerm;
  else if ((m.mask & kW) && n->type == msg::kDir) r.status = St::kIsDir;
  else if ((m.mask & kW) && (n->eattr & msg::kEattrImmutable)) r.status = St::kPerm;
  else if ((m.mask & kW) && (n->eattr & msg::kEattrAppendOnly) && !m.append) r.status = St::kPerm;
  else if (!may(*n, c, m.mask & (kR | kW)) && !(m.reclaim && (c.uid == 0 || c.uid == n->uid))) r.status = St::kAccess;
  if (r.status != St::kOk) return reply(r);
  m_.sessions_.open_file(*sess_, ino, m.mask & (kR | kW));
  if ((m.mask & kR) && n->type == msg::kFile) accessed(*n);
  r.attr = out(m_.fs_.attr(*n));
  if (n->type == msg::kFile && n->chunks.at(0) != 0) {
    r.chunk_id = n->chunks.at(0);
    r.version = m_.fs_.chunk(r.chunk_id)->version;
    r.locations = m_.valid_locations(r.chunk_id);
    r.token = m_.tokens_.sign(r.chunk_id, r.version, token::kRead);
  }
  reply(r);
}

void ClientOps::release(const msg::ClRelease& m) {
  uint32_t ino = in(m.inode);
  if (m_.sessions_.release_file(*sess_, ino)) {
    const Node* n = m_.fs_.node(ino);
    // The last handle anywhere: a trash file stays in the trash; an unlinked
    // open file goes now.
    if (n && n->nlink == 0 && m_.fs_.trash().count(ino) == 0) m_.commit(OpPurge{ino});
  }
  status(m.req, St::kOk);
}

bool ClientOps::dispatch(uint32_t type, std::string_view p) {
  payload_ = p;
  switch (type) {
    case msg::ClLookup::kType: return handle<msg::ClLookup>(p, [&](auto& m) { lookup(m); });
    case msg::ClGetattr::kType: return handle<msg::ClGetattr>(p, [&](auto& m) { getattr(m); });
    case msg::ClSetattr::kType: return handle<msg::ClSetattr>(p, [&](auto& m) { setattr(m); });
    case msg::ClMknod::kType: return handle<msg::ClMknod>(p, [&](auto& m) { mknod(m); });
    case msg::ClUnlink::kType: return handle<msg::ClUnlink>(p, [&](auto& m) { unlink(m); });
    case msg::ClSymlink::kType: return handle<msg::ClSymlink>(p, [&](auto& m) { symlink(m); });
    case msg::ClReadlink::kType: return handle<msg::ClReadlink>(p, [&](auto& m) { readlink(m); });
    case msg::ClRename::kType: return handle<msg::ClRename>(p, [&](auto& m) { rename(m); });
    case msg::ClLink::kType: return handle<msg::ClLink>(p, [&](auto& m) { link(m); });
    case msg::ClReaddir::kType: return handle<msg::ClReaddir>(p, [&](auto& m) { readdir(m); });
    case msg::ClStatfs::kType: return handle<msg::ClStatfs>(p, [&](auto& m) { statfs(m); });
    case msg::ClAccess::kType: return handle<msg::ClAccess>(p, [&](auto& m) { access(m); });
    case msg::ClOpen::kType: return handle<msg::ClOpen>(p, [&](auto& m) { open(m); });
    case msg::ClRelease::kType: return handle<msg::ClRelease>(p, [&](auto& m) { release(m); });
    case msg::ClReadChunk::kType: return handle<msg::ClReadChunk>(p, [&](auto& m) { read_chunk(m); });
    case msg::ClWriteChunk::kType: return handle<msg::ClWriteChunk>(p, [&](auto& m) { write_chunk(m); });
    case msg::ClWriteChunkEnd::kType: return handle<msg::ClWriteChunkEnd>(p, [&](auto& m) { write_chunk_end(m); });
    case msg::ClToolGet::kType: return handle<msg::ClToolGet>(p, [&](auto& m) { tool_get(m); });
    case msg::ClToolSet::kType: return handle<msg::ClToolSet>(p, [&](auto& m) { tool_set(m); });
    case msg::ClSnapshot::kType: return handle<msg::ClSnapshot>(p, [&](auto& m) { snapshot(m); });
    case msg::ClAppendChunks::kType: return handle<msg::ClAppendChunks>(p, [&](auto& m) { append_chunks(m); });
    case msg::ClQuota::kType: return handle<msg::ClQuota>(p, [&](auto& m) { quota(m); });
    case msg::ClTrashList::kType: return handle<msg::ClTrashList>(p, [&](auto& m) { trash_list(m); });
    case msg::ClUndel::kType: return handle<msg::ClUndel>(p, [&](auto& m) { undel(m); });
    case msg::ClTrashPurge::kType: return handle<msg::ClTrashPurge>(p, [&](auto& m) { trash_purge(m); });
    case msg::ClFileInfo::kType: return handle<msg::ClFileInfo>(p, [&](auto& m) { file_info(m); });
    case msg::ClFilePaths::kType: return handle<msg::ClFilePaths>(p, [&](auto& m) { file_paths(m); });
    case msg::ClDirInfo::kType: return handle<msg::ClDirInfo>(p, [&](auto& m) { dir_info(m); });
    case msg::ClFileRepair::kType: return handle<msg::ClFileRepair>(p, [&](auto& m) { file_repair(m); });
    case msg::ClGetXattr::kType: return handle<msg::ClGetXattr>(p, [&](auto& m) { getxattr(m); });
    case msg::ClListXattr::kType: return handle<msg::ClListXattr>(p, [&](auto& m) { listxattr(m); });
    case msg::ClSetXattr::kType: return handle<msg::ClSetXattr>(p, [&](auto& m) { setxattr(m); });
    case msg::ClRemoveXattr::kType: return handle<msg::ClRemoveXattr>(p, [&](auto& m) { removexattr(m); });
    case msg::ClLock::kType: return handle<msg::ClLock>(p, [&](auto& m) { lock(m); });
    case msg::ClLockCancel::kType: return handle<msg::ClLockCancel>(p, [&](auto& m) { lock_cancel(m); });
    case msg::ClGetLock::kType: return handle<msg::ClGetLock>(p, [&](auto& m) { get_lock(m); });
    case msg::ClAppend::kType: return handle<msg::ClAppend>(p, [&](auto& m) { append(m); });
    default:
      log::warn("client {}: unknown message type {} ({} bytes): closing connection", link_->peer, type, p.size());
      return false;
  }
}

}  // namespace antler::master

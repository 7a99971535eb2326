#include "client/fuse/fuse_ops.h"

#include "client/fuse/fuse_metrics.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "client/fuse/ctl_file.h"
#include "client/fuse/fuse_locks.h"
#include "common/log.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace antler::mount {

using client::Client;
using msg::Attr;
using msg::Cred;

namespace {

constexpr uint32_t kStatBlockSize = 64u << 10;
constexpr size_t kNameMax = 255;

void ns_to_timespec(int64_t ns, struct timespec* ts) {
  int64_t sec = ns / 1000000000;
  int64_t rem = ns % 1000000000;
  if (rem < 0) {
    rem += 1000000000;
    sec -= 1;
  }
  ts->tv_sec = static_cast<time_t>(sec);
  ts->tv_nsec = static_cast<long>(rem);
}

int64_t timespec_to_ns(const struct timespec& ts) { return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec; }

mode_t type_bits(uint8_t type) {
  switch (type) {
    case msg::kDir: return S_IFDIR;
    case msg::kSymlink: return S_IFLNK;
    case msg::kFifo: return S_IFIFO;
    case msg::kSocket: return S_IFSOCK;
    case msg::kBlockDev: return S_IFBLK;
    case msg::kCharDev: return S_IFCHR;
    default: return S_IFREG;
  }
}

// ------------------------------------------------------------- credentials

// Supplementary groups of a process, read from /proc by libfuse. Reading
// them costs a file read, so they are kept per pid for a short while
// (mfsgroupscacheto); an entry is only used while uid and gid still match.
class GroupsCache {
 public:
  std::vector<uint32_t> get(fuse_req_t req, const fuse_ctx* ctx, double ttl_s) {
    if (ctx->pid <= 0) return {};  // the kernel itself (release, writeback...)
    auto now = std::chrono::steady_clock::now();
    if (ttl_s > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      auto it = map_.find(ctx->pid);
      if (it != map_.end() && it->second.uid == ctx->uid && it->second.gid == ctx->gid &&
          now - it->second.at < std::chrono::duration<double>(ttl_s))
        return it->second.groups;
    }
    std::vector<uint32_t> groups = fetch(req);
    if (ttl_s > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      if (map_.size() >= kMaxEntries) map_.clear();
      map_[ctx->pid] = Entry{ctx->uid, ctx->gid, groups, now};
    }
    return groups;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  struct Entry {
    uid_t uid;
    gid_t gid;
    std::vector<uint32_t> groups;
    std::chrono::steady_clock::time_point at;
  };

  static std::vector<uint32_t> fetch(fuse_req_t req) {
    std::vector<gid_t> list(64);
    int n = fuse_req_getgroups(req, static_cast<int>(list.size()), list.data());
    if (n > static_cast<int>(list.size())) {
      list.resize(n);
      n = fuse_req_getgroups(req, static_cast<int>(list.size()), list.data());
    }
    if (n <= 0) return {};  // no /proc, or the process is gone: primary gid only
    n = std::min<int>(n, static_cast<int>(list.size()));
    return std::vector<uint32_t>(list.begin(), list.begin() + n);
  }

  std::mutex mu_;
  std::unordered_map<pid_t, Entry> map_;
};

GroupsCache g_groups;

}  // namespace

Fs* fs_of(fuse_req_t req) { return static_cast<Fs*>(fuse_req_userdata(req)); }
Client* client_of(fuse_req_t req) { return fs_of(req)->client; }

Cred cred_of(fuse_req_t req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  Cred c;
  c.uid = ctx->uid;
  c.gid = ctx->gid;
  c.groups = g_groups.get(req, ctx, fs_of(req)->groups_cache_timeout);
  return c;
}

namespace {

// The creating process's umask: set by the kernel with FUSE_CAP_DONT_MASK
// (otherwise 0, and the kernel has applied it already).
uint16_t umask_of(fuse_req_t req) { return static_cast<uint16_t>(fuse_req_ctx(req)->umask & 0777); }

// ------------------------------------------------------------------ replies

void reply_status(fuse_req_t req, St s) { fuse_reply_err(req, to_errno(s)); }  // 0 for kOk

// A noowner node (every user counts as its owner) shows the caller as its
// owner when the kernel checks permissions, and is not cached (the next
// caller may be another user).
bool shown_as_callers(const Fs* fs, const Attr& a) { return fs->kernel_perms && (a.eattr & msg::kEattrNoOwner); }

void to_stat(fuse_req_t req, const Attr& a, struct stat* st) {
  attr_to_stat(a, st);
  if (shown_as_callers(fs_of(req), a)) {
    st->st_uid = fuse_req_ctx(req)->uid;
    st->st_gid = fuse_req_ctx(req)->gid;
  }
}

double attr_timeout(const Fs* fs, const Attr& a) {
  return (a.eattr & msg::kEattrNoAttrCache) || shown_as_callers(fs, a) ? 0 : fs->attr_timeout;
}

void fill_entry(fuse_req_t req, const Attr& a, fuse_entry_param* e) {
  const Fs* fs = fs_of(req);
  std::memset(e, 0, sizeof(*e));
  e->ino = a.inode;
  e->generation = 1;
  to_stat(req, a, &e->attr);
  e->attr_timeout = attr_timeout(fs, a);
  e->entry_timeout = (a.eattr & msg::kEattrNoEntryCache) ? 0
                     : a.type == msg::kDir               ? fs->direntry_timeout
                                                         : fs->entry_timeout;
}

void reply_entry(fuse_req_t req, St s, const Attr& a) {
  if (s != St::kOk) return reply_status(req, s);
  fuse_entry_param e;
  fill_entry(req, a, &e);
  fuse_reply_entry(req, &e);
}

void reply_attr(fuse_req_t req, St s, const Attr& a) {
  if (s != St::kOk) return reply_status(req, s);
  struct stat st;
  to_stat(req, a, &st);
  fuse_reply_attr(req, &st, attr_timeout(fs_of(req), a));
}

void set_cache_flags(const Fs* fs, fuse_file_info* fi) {
  fi->keep_cache = fs->cache_mode == CacheMode::kYes;
  // O_APPEND: every write goes to the client core, which asks the master
  // where the end of the file is (other mounts append too).
  fi->direct_io = fs->cache_mode == CacheMode::kDirect || (fi->flags & O_APPEND) != 0;
}

bool name_ok(fuse_req_t req, const char* name) {
  if (std::strlen(name) <= kNameMax) return true;
  fuse_reply_err(req, ENAMETOOLONG);
  return false;
}

// ------------------------------------------------------------- directories

// An open directory: every entry, fetched at opendir (and again on rewind).
struct DirHandle {
  std::mutex mu;
  std::vector<msg::DirEntry> entries;  // without "." and ".."
  bool served = false;
};

DirHandle* dir_of(const fuse_file_info* fi) { return reinterpret_cast<DirHandle*>(fi->fh); }

// Offsets: "." is entry 0, ".." entry 1, entries[i] entry i + 2; the offset
// stored with entry k (where the next read resumes) is k + 1.
//
// The reply is sent after the handle's lock is released: once the kernel has
// it, releasedir() may free the handle at once on another thread.
void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  Fs* fs = fs_of(req);
  DirHandle* dh = dir_of(fi);
  std::vector<char> buf(size);
  size_t used = 0;
  {
    std::lock_guard<std::mutex> lk(dh->mu);
    if (off == 0 && dh->served) {  // rewinddir(): show the directory as it is now
      std::vector<msg::DirEntry> fresh;
      St s = fs->client->readdir(cred_of(req), static_cast<uint32_t>(ino), &fresh);
      if (s == St::kOk) dh->entries = std::move(fresh);
      // On failure the previous listing is served: better than an error
      // from a rewind.
    }
    dh->served = true;
    if (off < 0) off = 0;

    const size_t total = dh->entries.size() + 2;
    for (size_t k = static_cast<size_t>(off); k < total; k++) {
      fuse_entry_param e;
      std::memset(&e, 0, sizeof(e));
      const char* name;
      if (k < 2) {
        // ino 0: the kernel takes no lookup reference for these.
        name = k == 0 ? "." : "..";
        e.attr.st_ino = ino;
        e.attr.st_mode = S_IFDIR;
      } else {
        const msg::DirEntry& de = dh->entries[k - 2];
        name = de.name.c_str();
        if (plus) {
          fill_entry(req, de.attr, &e);
        } else {
          e.attr.st_ino = de.attr.inode;
          e.attr.st_mode = type_bits(de.attr.type);  // readdir only reports the type
        }
      }
      size_t left = size - used;
      size_t need = plus ? fuse_add_direntry_plus(req, buf.data() + used, left, name, &e, static_cast<off_t>(k + 1))
                         : fuse_add_direntry(req, buf.data() + used, left, name, &e.attr, static_cast<off_t>(k + 1));
      if (need > left) break;
      used += need;
    }
  }
  fuse_reply_buf(req, buf.data(), used);
}

// ---------------------------------------------------------------- the ops

void op_init(void* userdata, fuse_conn_info* conn) {
  Fs* fs = static_cast<Fs*>(userdata);
  auto want = [conn](unsigned cap) {
    if (conn->capable & cap) conn->want |= cap;
  };
  want(FUSE_CAP_ASYNC_READ);
  want(FUSE_CAP_ATOMIC_O_TRUNC);
  want(FUSE_CAP_PARALLEL_DIROPS);
  want(FUSE_CAP_AUTO_INVAL_DATA);
  want(FUSE_CAP_READDIRPLUS);
  // The master applies the umask (ClMknod.umask): a default ACL replaces it.
  want(FUSE_CAP_DONT_MASK);
  // Locks held across mounts; without them the kernel keeps locks per mount.
  if (fs->posix_locks) want(FUSE_CAP_POSIX_LOCKS);
  else conn->want &= ~FUSE_CAP_POSIX_LOCKS;
  if (fs->bsd_locks) want(FUSE_CAP_FLOCK_LOCKS);
  else conn->want &= ~FUSE_CAP_FLOCK_LOCKS;
  // Attributes come with every entry anyway: always use readdirplus.
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  // The client core buffers writes itself.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  conn->max_write = fs->max_write;
  conn->max_readahead = fs->max_readahead;
  // The master checks every request it gets, but the kernel opens FIFOs and
  // device nodes without asking the file system. With POSIX ACLs negotiated
  // the kernel checks too (as with default_permissions), from the same uid,
  // groups, mode and ACL (read with getxattr) that the master uses, so a
  // check it makes agrees with the master's. Not under mapall (the master
  // sees another user than the kernel does), ignoregid (group bits for every
  // non-owner), nor without xattrs (the kernel could not read the ACLs).
  const char* perms;
  if (fs->kernel_perms && (conn->capable & FUSE_CAP_POSIX_ACL)) {
    conn->want |= FUSE_CAP_POSIX_ACL;
    perms = "by the master and the kernel (POSIX ACLs)";
  } else if (fs->kernel_perms) {
    perms = "by the master only (the kernel offers no POSIX ACLs): FIFOs and devices open without a check";
  } else {
    perms = "by the master only (mapall or ignoregid export, or mfsnoxattrs): FIFOs and devices open without a check";
  }
  if (fs->conn_opts) fuse_apply_conn_info_opts(fs->conn_opts, conn);
  log::info("mounted: FUSE protocol {}.{}, max_write {}, max_readahead {}; permissions checked {}", conn->proto_major,
            conn->proto_minor, conn->max_write, conn->max_readahead, perms);
}

void op_destroy(void* userdata) { log::debug("FUSE session destroyed"); }

bool is_ctl(fuse_ino_t ino) { return ino == ctl::kInode; }

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (!name_ok(req, name)) return;
  Fs* fs = fs_of(req);
  Attr a;
  if (parent == FUSE_ROOT_ID && std::strcmp(name, ctl::kName) == 0) return reply_entry(req, St::kOk, ctl::attr());
  St s = fs->client->lookup(cred_of(req), static_cast<uint32_t>(parent), name, &a);
  if (s == St::kNoEnt && fs->negentry_timeout > 0) {
    fuse_entry_param e;
    std::memset(&e, 0, sizeof(e));
    e.ino = 0;  // a negative entry, cached by the kernel for entry_timeout
    e.entry_timeout = fs->negentry_timeout;
    fuse_reply_entry(req, &e);
    return;
  }
  reply_entry(req, s, a);
}

void op_forget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }

void op_forget_multi(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  if (is_ctl(ino)) return reply_attr(req, St::kOk, ctl::attr());
  Attr a;
  St s = client_of(req)->getattr(static_cast<uint32_t>(ino), &a);
  reply_attr(req, s, a);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  if (is_ctl(ino)) return reply_attr(req, St::kOk, ctl::attr());  // O_TRUNC of a shell redirection
  Client* c = client_of(req);
  Attr v;
  uint32_t mask = setattr_mask(to_set, *attr, &v);
  Attr out;
  St s = mask == 0 ? c->getattr(static_cast<uint32_t>(ino), &out)
                   : c->setattr(cred_of(req), static_cast<uint32_t>(ino), mask, v, &out);
  reply_attr(req, s, out);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  std::string target;
  St s = client_of(req)->readlink(static_cast<uint32_t>(ino), &target);
  if (s != St::kOk) return reply_status(req, s);
  fuse_reply_readlink(req, target.c_str());
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  if (!name_ok(req, name)) return;
  uint8_t type;
  if (!mode_to_type(mode, &type) || type == msg::kDir || type == msg::kSymlink) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  Attr a;
  // dev_t carries the kernel's 32-bit device encoding here; kept as is.
  uint32_t dev = (type == msg::kBlockDev || type == msg::kCharDev) ? static_cast<uint32_t>(rdev) : 0;
  St s = client_of(req)->mknod(cred_of(req), static_cast<uint32_t>(parent), name, type,
                               static_cast<uint16_t>(mode & 07777), dev, &a, umask_of(req));
  reply_entry(req, s, a);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  if (!name_ok(req, name)) return;
  Attr a;
  St s = client_of(req)->mknod(cred_of(req), static_cast<uint32_t>(parent), name, msg::kDir,
                               static_cast<uint16_t>(mode & 07777), 0, &a, umask_of(req));
  reply_entry(req, s, a);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  reply_status(req, client_of(req)->unlink(cred_of(req), static_cast<uint32_t>(parent), name));
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  reply_status(req, client_of(req)->rmdir(cred_of(req), static_cast<uint32_t>(parent), name));
}

void op_symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name) {
  if (!name_ok(req, name)) return;
  Attr a;
  St s = client_of(req)->symlink(cred_of(req), static_cast<uint32_t>(parent), name, link, &a);
  reply_entry(req, s, a);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent, const char* newname,
               unsigned int flags) {
  if (!name_ok(req, newname)) return;
  uint32_t f = 0;
  if (flags & RENAME_NOREPLACE) f |= msg::kRenameNoReplace;
  if (flags & RENAME_EXCHANGE) f |= msg::kRenameExchange;
  if ((flags & ~static_cast<unsigned>(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0 ||
      f == (msg::kRenameNoReplace | msg::kRenameExchange)) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  reply_status(req, client_of(req)->rename(cred_of(req), static_cast<uint32_t>(parent), name,
                                           static_cast<uint32_t>(newparent), newname, f));
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  if (!name_ok(req, newname)) return;
  Attr a;
  St s = client_of(req)->link(cred_of(req), static_cast<uint32_t>(ino), static_cast<uint32_t>(newparent), newname, &a);
  reply_entry(req, s, a);
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Fs* fs = fs_of(req);
  if (is_ctl(ino)) return ctl::reply_open(req, fi);
  uint64_t fh = 0;
  St s = fs->client->open(cred_of(req), static_cast<uint32_t>(ino), fi->flags, &fh);
  if (s != St::kOk) return reply_status(req, s);
  fi->fh = fh;
  set_cache_flags(fs, fi);
  if (fs->client->handle_eattr(fh) & msg::kEattrNoDataCache) {
    fi->keep_cache = 0;
    fi->direct_io = 1;
  }
  if (fuse_reply_open(req, fi) != 0) fs->client->release(fh);  // interrupted: nobody will close it
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  std::string data;
  if (is_ctl(ino)) {
    data = ctl::read(fi->fh, size);
    fuse_reply_buf(req, data.data(), data.size());
    return;
  }
  St s = client_of(req)->read(fi->fh, static_cast<uint64_t>(off), size, &data);
  if (s != St::kOk) {
    log::warn("read inode {} at {} ({} bytes): {}", ino, off, size, to_string(s));
    return reply_status(req, s);
  }
  count_read_bytes(data.size());
  fuse_reply_buf(req, data.data(), data.size());
}

void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (is_ctl(ino)) {
    int e = ctl::write(client_of(req), cred_of(req), fi->fh, buf, size);
    if (e != 0) return (void)fuse_reply_err(req, e);
    fuse_reply_write(req, size);
    return;
  }
  St s = client_of(req)->write(fi->fh, static_cast<uint64_t>(off), buf, size);
  if (s != St::kOk) {
    log::warn("write inode {} at {} ({} bytes): {}", ino, off, size, to_string(s));
    return reply_status(req, s);
  }
  count_written_bytes(size);
  fuse_reply_write(req, size);
}

// Space is not reserved ahead on the chunkservers (nor by MooseFS): the
// default mode makes the file at least offset + length long (the new range
// reads as zeros), FALLOC_FL_KEEP_SIZE has nothing left to do, and the
// other modes (punching holes, zeroing, collapsing) are not supported.
void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length, fuse_file_info*) {
  if (is_ctl(ino) || (mode & ~FALLOC_FL_KEEP_SIZE) != 0) return (void)fuse_reply_err(req, EOPNOTSUPP);
  if (offset < 0 || length <= 0) return (void)fuse_reply_err(req, EINVAL);
  Client* c = client_of(req);
  Attr a;
  St s = c->getattr(static_cast<uint32_t>(ino), &a);
  if (s != St::kOk) return reply_status(req, s);
  if (a.type != msg::kFile) return (void)fuse_reply_err(req, a.type == msg::kDir ? EISDIR : ENODEV);
  uint64_t end = static_cast<uint64_t>(offset) + static_cast<uint64_t>(length);
  if ((mode & FALLOC_FL_KEEP_SIZE) || end <= a.size) return (void)fuse_reply_err(req, 0);
  Attr v, out;
  v.size = end;
  reply_status(req, c->setattr(cred_of(req), static_cast<uint32_t>(ino), msg::kSetSize, v, &out));
}

void op_flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_ctl(ino)) return (void)fuse_reply_err(req, 0);
  St s = client_of(req)->flush(fi->fh);
  if (s != St::kOk) log::warn("flush inode {}: {}", ino, to_string(s));
  release_posix_locks(fs_of(req), ino, fi);
  reply_status(req, s);
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (is_ctl(ino)) {
    ctl::release(fi->fh);
    return (void)fuse_reply_err(req, 0);
  }
  if (fi->flock_release) release_flock(fs_of(req), ino, fi);
  St s = client_of(req)->release(fi->fh);
  if (s != St::kOk) log::warn("release inode {}: {}", ino, to_string(s));
  reply_status(req, s);
}

void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, fuse_file_info* fi) {
  if (is_ctl(ino)) return (void)fuse_reply_err(req, 0);
  St s = client_of(req)->fsync(fi->fh, datasync != 0);
  if (s != St::kOk) log::warn("fsync inode {}: {}", ino, to_string(s));
  reply_status(req, s);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  auto* dh = new DirHandle;
  St s = client_of(req)->readdir(cred_of(req), static_cast<uint32_t>(ino), &dh->entries);
  if (s != St::kOk) {
    delete dh;
    return reply_status(req, s);
  }
  fi->fh = reinterpret_cast<uint64_t>(dh);
  if (fuse_reply_open(req, fi) != 0) delete dh;
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete dir_of(fi);
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { fuse_reply_err(req, 0); }

void op_statfs(fuse_req_t req, fuse_ino_t) {
  client::Statfs sf;
  St s = client_of(req)->statfs(&sf);
  if (s != St::kOk) return reply_status(req, s);
  struct statvfs st;
  std::memset(&st, 0, sizeof(st));
  st.f_bsize = kStatBlockSize;
  st.f_frsize = kStatBlockSize;
  st.f_blocks = sf.total_bytes / kStatBlockSize;
  st.f_bfree = sf.avail_bytes / kStatBlockSize;
  st.f_bavail = st.f_bfree;
  // Inode numbers are 32-bit: report that space, of which `inodes` are used.
  st.f_files = UINT32_MAX;
  st.f_ffree = UINT32_MAX - std::min<uint64_t>(sf.inodes, UINT32_MAX);
  st.f_favail = st.f_ffree;
  st.f_namemax = kNameMax;
  fuse_reply_statfs(req, &st);
}

void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  if (is_ctl(ino)) return (void)fuse_reply_err(req, 0);
  reply_status(req, client_of(req)->access(cred_of(req), static_cast<uint32_t>(ino), mask));
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  if (!name_ok(req, name)) return;
  Fs* fs = fs_of(req);
  Attr a;
  uint64_t fh = 0;
  St s = fs->client->create(cred_of(req), static_cast<uint32_t>(parent), name, static_cast<uint16_t>(mode & 07777),
                            fi->flags, &a, &fh, umask_of(req));
  if (s != St::kOk) return reply_status(req, s);
  fuse_entry_param e;
  fill_entry(req, a, &e);
  fi->fh = fh;
  set_cache_flags(fs, fi);
  if (fuse_reply_create(req, &e, fi) != 0) fs->client->release(fh);
}

// ------------------------------------------------------ extended attributes

// With mfsnoxattrs: ENOSYS makes the kernel answer EOPNOTSUPP from then on
// without asking again. The control file has no attributes and takes none.
bool xattrs_on(fuse_req_t req, fuse_ino_t ino, int ctl_error) {
  if (!fs_of(req)->xattrs) {
    fuse_reply_err(req, ENOSYS);
    return false;
  }
  if (!is_ctl(ino)) return true;
  fuse_reply_err(req, ctl_error);
  return false;
}

void reply_xattr_value(fuse_req_t req, St s, size_t size, uint32_t len, const std::string& value) {
  if (s != St::kOk) return reply_status(req, s);
  long n = xattr_reply_size(size, len);
  if (n < 0) {
    fuse_reply_err(req, static_cast<int>(-n));
    return;
  }
  if (size == 0) {
    fuse_reply_xattr(req, len);
    return;
  }
  fuse_reply_buf(req, value.data(), std::min<size_t>(value.size(), static_cast<size_t>(n)));
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  if (!xattrs_on(req, ino, ENODATA)) return;
  std::string value;
  uint32_t len = 0;
  uint32_t want = static_cast<uint32_t>(std::min<size_t>(size, msg::kXattrSizeMax));
  St s = client_of(req)->getxattr(cred_of(req), static_cast<uint32_t>(ino), name, want, &value, &len);
  reply_xattr_value(req, s, size, len, value);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  if (is_ctl(ino) && fs_of(req)->xattrs) {  // no names
    if (size == 0) fuse_reply_xattr(req, 0);
    else fuse_reply_buf(req, nullptr, 0);
    return;
  }
  if (!xattrs_on(req, ino, 0)) return;
  std::string names;
  uint32_t len = 0;
  uint32_t want = static_cast<uint32_t>(std::min<size_t>(size, UINT32_MAX));
  St s = client_of(req)->listxattr(cred_of(req), static_cast<uint32_t>(ino), want, &names, &len);
  reply_xattr_value(req, s, size, len, names);
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
  if (!xattrs_on(req, ino, ENOTSUP)) return;
  uint32_t f = 0;
  if (!xattr_flags(flags, &f) || size > msg::kXattrSizeMax) {
    fuse_reply_err(req, size > msg::kXattrSizeMax ? E2BIG : EINVAL);
    return;
  }
  reply_status(req,
               client_of(req)->setxattr(cred_of(req), static_cast<uint32_t>(ino), name, std::string(value, size), f));
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  if (!xattrs_on(req, ino, ENOTSUP)) return;
  reply_status(req, client_of(req)->removexattr(cred_of(req), static_cast<uint32_t>(ino), name));
}

fuse_lowlevel_ops make_ops() {
  fuse_lowlevel_ops ops;
  std::memset(&ops, 0, sizeof(ops));
  ops.init = op_init;
  ops.destroy = op_destroy;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.statfs = op_statfs;
  ops.access = op_access;
  ops.create = op_create;
  ops.fallocate = op_fallocate;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.setxattr = op_setxattr;
  ops.removexattr = op_removexattr;
  ops.getlk = op_getlk;
  ops.setlk = op_setlk;
  ops.flock = op_flock;
  return ops;
}

}  // namespace

Fs Fs::from_config(const MountConfig& cfg) {
  Fs fs;
  fs.attr_timeout = cfg.attr_cache_s;
  fs.entry_timeout = cfg.entry_cache_s;
  fs.direntry_timeout = cfg.direntry_cache_s;
  fs.negentry_timeout = cfg.negentry_cache_s;
  fs.groups_cache_timeout = cfg.groups_cache_s;
  fs.cache_mode = cfg.cache_mode;
  fs.xattrs = !cfg.no_xattrs;
  fs.posix_locks = cfg.posix_locks;
  fs.bsd_locks = cfg.bsd_locks;
  fs.max_write = cfg.max_write;
  fs.max_readahead = cfg.max_readahead;
  return fs;
}

const fuse_lowlevel_ops& fuse_ops() {
  static const fuse_lowlevel_ops ops = make_ops();
  return ops;
}

void attr_to_stat(const msg::Attr& a, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_ino = a.inode;
  st->st_mode = type_bits(a.type) | (a.mode & 07777);
  st->st_nlink = a.nlink;
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_size = static_cast<off_t>(a.size);
  st->st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  st->st_blksize = kStatBlockSize;
  if (a.type == msg::kBlockDev || a.type == msg::kCharDev) st->st_rdev = a.rdev;
  ns_to_timespec(a.atime_ns, &st->st_atim);
  ns_to_timespec(a.mtime_ns, &st->st_mtim);
  ns_to_timespec(a.ctime_ns, &st->st_ctim);
}

bool mode_to_type(mode_t mode, uint8_t* type) {
  switch (mode & S_IFMT) {
    case 0:  // mknod(2): zero means a regular file
    case S_IFREG: *type = msg::kFile; return true;
    case S_IFDIR: *type = msg::kDir; return true;
    case S_IFLNK: *type = msg::kSymlink; return true;
    case S_IFIFO: *type = msg::kFifo; return true;
    case S_IFSOCK: *type = msg::kSocket; return true;
    case S_IFBLK: *type = msg::kBlockDev; return true;
    case S_IFCHR: *type = msg::kCharDev; return true;
    default: return false;
  }
}

bool xattr_flags(int flags, uint32_t* out) {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return false;
  *out = 0;
  if (flags & XATTR_CREATE) *out |= msg::kXattrCreate;
  if (flags & XATTR_REPLACE) *out |= msg::kXattrReplace;
  return true;
}

long xattr_reply_size(size_t size, uint32_t len) {
  if (size == 0) return 0;
  if (len > size) return -ERANGE;
  return static_cast<long>(len);
}

uint32_t setattr_mask(int to_set, const struct stat& st, msg::Attr* v) {
  uint32_t mask = 0;
  if (to_set & FUSE_SET_ATTR_MODE) {
    mask |= msg::kSetMode;
    v->mode = static_cast<uint16_t>(st.st_mode & 07777);
  }
  if (to_set & FUSE_SET_ATTR_UID) {
    mask |= msg::kSetUid;
    v->uid = st.st_uid;
  }
  if (to_set & FUSE_SET_ATTR_GID) {
    mask |= msg::kSetGid;
    v->gid = st.st_gid;
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    mask |= msg::kSetSize;
    v->size = static_cast<uint64_t>(st.st_size);
  }
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    mask |= msg::kSetAtimeNow;
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    mask |= msg::kSetAtime;
    v->atime_ns = timespec_to_ns(st.st_atim);
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    mask |= msg::kSetMtimeNow;
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    mask |= msg::kSetMtime;
    v->mtime_ns = timespec_to_ns(st.st_mtim);
  }
  return mask;
}

}  // namespace antler::mount

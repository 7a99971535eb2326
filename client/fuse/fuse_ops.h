// The FUSE low-level operations of mfsmount: a thin adapter from
// fuse_lowlevel_ops to antler::client::Client. Credentials come from the
// request (uid, gid, supplementary groups), statuses become errnos through
// to_errno(); the master checks permissions, and the kernel too (POSIX ACLs)
// unless the export maps users.
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <cstdint>

#include "client/client.h"
#include "client/fuse/options.h"

namespace antler::mount {

// Everything the operations need. Passed as the userdata of
// fuse_session_new(); `client` must be set before the session loop starts
// and outlive it.
struct Fs {
  client::Client* client = nullptr;
  double attr_timeout = 1.0;
  double entry_timeout = 0.0;     // non-directories
  double direntry_timeout = 1.0;  // directories
  double negentry_timeout = 0.0;  // ENOENT from lookup
  double groups_cache_timeout = 1.0;
  CacheMode cache_mode = CacheMode::kAuto;
  bool xattrs = true;       // false (mfsnoxattrs): every xattr call is EOPNOTSUPP
  bool posix_locks = true;  // fcntl locks through the master (FUSE_CAP_POSIX_LOCKS)
  bool bsd_locks = true;    // flock locks through the master (FUSE_CAP_FLOCK_LOCKS)
  // The kernel checks permissions too (FUSE_CAP_POSIX_ACL, which implies
  // default_permissions): false when the master says its check differs
  // (mapall, ignoregid) and under mfsnoxattrs.
  bool kernel_perms = true;
  unsigned max_write = 1u << 20;
  unsigned max_readahead = 1u << 20;
  // From fuse_parse_conn_info_opts(); applied in init() after our defaults.
  struct fuse_conn_info_opts* conn_opts = nullptr;

  static Fs from_config(const MountConfig& cfg);
};

// Helpers of every operations file (fuse_ops.cc, fuse_locks.cc, meta_ops.cc):
// the request's Fs and client, and the caller's credentials (uid, gid and
// supplementary groups, cached per pid for groups_cache_timeout).
Fs* fs_of(fuse_req_t req);
client::Client* client_of(fuse_req_t req);
msg::Cred cred_of(fuse_req_t req);

// The operations table; the session's userdata must be an Fs*.
const fuse_lowlevel_ops& fuse_ops();

// ---- conversions, exposed for tests

// Fills *st from a, as the kernel should see it.
void attr_to_stat(const msg::Attr& a, struct stat* st);
// Maps the S_IFMT bits of mode to a msg::NodeType; false for an unknown type.
bool mode_to_type(mode_t mode, uint8_t* type);
// Maps setxattr(2) flags (XATTR_CREATE, XATTR_REPLACE) to msg::XattrFlags;
// false for unknown bits.
bool xattr_flags(int flags, uint32_t* out);
// The reply to a getxattr/listxattr of size `size` for a value of length
// len: how many bytes to send (0 with size 0: only the length), or -errno.
long xattr_reply_size(size_t size, uint32_t len);

// Maps FUSE_SET_ATTR_* bits and their values to msg::SetMask bits and *v.
uint32_t setattr_mask(int to_set, const struct stat& st, msg::Attr* v);

}  // namespace antler::mount

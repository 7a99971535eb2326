// libmfsclient: the client core. Sessions with the master, inode operations,
// chunk locations, chunkserver I/O with read-ahead and write-back buffering,
// reconnection. It knows nothing of FUSE; mfsmount and the tools sit on it.
//
// Thread-safe: every method may be called from many threads at once.
// All methods return St::kOk or the failure (see common/status.h, to_errno()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/msg/base.h"
#include "common/msg/client.h"
#include "common/msg/tools.h"
#include "common/status.h"

namespace antler::client {

using msg::Attr;
using msg::Cred;
using msg::DirEntry;

struct Options {
  std::string master_host = "mfsmaster";
  uint16_t master_port = 9421;
  std::string subdir = "/";       // subfolder of the export to mount
  std::string password;           // export password (proved by challenge, never sent)
  std::string password_md5;       // or its MD5, 16 raw bytes (mfsmd5pass)
  std::string bind_host;          // local address to connect to the master from (mfsbind)
  std::string info;               // e.g. the mount point, shown in master listings
  int io_retries = 30;            // attempts (about 1 s apart) before an operation fails
  uint32_t write_cache_mb = 128;  // write-back buffer, all files together
  uint32_t readahead_kb = 4096;   // sequential read-ahead window
  int connect_timeout_ms = 5000;
  // For this long after the master last said that an inode has no extended
  // attributes (Attr flags), getxattr and listxattr on it are answered
  // without asking (ENODATA, empty list). 0: always ask.
  int xattr_cache_ms = 1000;
  // For this long after a namespace change's reply gave a directory's
  // attributes (ClStatusReply.dirs), getattr of it is answered from them
  // (mfsmount: the attribute cache time, as the kernel's own copy). 0: always ask.
  int dir_attr_cache_ms = 1000;
  bool meta = false;  // meta mount: trash and sustained files (mfsmount -m)
};

class LockClient;  // client/lock_client.h

struct Statfs {
  uint64_t total_bytes = 0;
  uint64_t avail_bytes = 0;
  uint64_t trash_bytes = 0;
  uint64_t inodes = 0;
};

class Client {
 public:
  // Connects and registers a session. On refusal (exports, password, no
  // master) returns a one-line reason.
  static Result<std::unique_ptr<Client>> create(const Options& opts);
  virtual ~Client() = default;

  virtual bool readonly() const = 0;
  // The master says the kernel's permission check would agree with its own
  // (msg::ClRegisterReply::kernel_checks).
  virtual bool kernel_checks() const = 0;

  // ---- namespace (inode 1 is the root of the mounted subfolder)
  virtual St lookup(const Cred& c, uint32_t parent, const std::string& name, Attr* out) = 0;
  // Attributes include the length of data still buffered by this client.
  virtual St getattr(uint32_t inode, Attr* out) = 0;
  // mask: msg::SetMask bits; values are taken from `v` (mode, uid, gid,
  // size, atime_ns, mtime_ns). A size change flushes and truncates.
  virtual St setattr(const Cred& c, uint32_t inode, uint32_t mask, const Attr& v, Attr* out) = 0;
  // type: msg::NodeType; rdev for devices. umask: the caller's umask, which
  // the master applies unless the parent has a default ACL (0 when mode is
  // already masked).
  virtual St mknod(const Cred& c, uint32_t parent, const std::string& name, uint8_t type, uint16_t mode, uint32_t rdev,
                   Attr* out, uint16_t umask = 0) = 0;
  virtual St unlink(const Cred& c, uint32_t parent, const std::string& name) = 0;
  virtual St rmdir(const Cred& c, uint32_t parent, const std::string& name) = 0;
  virtual St symlink(const Cred& c, uint32_t parent, const std::string& name, const std::string& target, Attr* out) = 0;
  virtual St readlink(uint32_t inode, std::string* target) = 0;
  // flags: msg::RenameFlags (kRenameNoReplace, kRenameExchange).
  virtual St rename(const Cred& c, uint32_t parent, const std::string& name, uint32_t new_parent,
                    const std::string& new_name, uint32_t flags) = 0;
  virtual St link(const Cred& c, uint32_t inode, uint32_t new_parent, const std::string& new_name, Attr* out) = 0;
  // Every entry of a directory (without "." and ".."), with attributes.
  virtual St readdir(const Cred& c, uint32_t inode, std::vector<DirEntry>* out) = 0;
  virtual St statfs(Statfs* out) = 0;
  // mask: R_OK | W_OK | X_OK (F_OK = 0 checks existence).
  virtual St access(const Cred& c, uint32_t inode, int mask) = 0;

  // ---- extended attributes and ACLs (names as in getxattr(2), ACL values
  // in Linux's xattr encoding). get/list: size 0 asks only for the length
  // (*len); a longer value than size is kRange. Otherwise *value gets it.
  virtual St getxattr(const Cred& c, uint32_t inode, const std::string& name, uint32_t size, std::string* value,
                      uint32_t* len) = 0;
  // Names, each followed by a NUL.
  virtual St listxattr(const Cred& c, uint32_t inode, uint32_t size, std::string* names, uint32_t* len) = 0;
  // flags: msg::XattrFlags.
  virtual St setxattr(const Cred& c, uint32_t inode, const std::string& name, const std::string& value,
                      uint32_t flags) = 0;
  virtual St removexattr(const Cred& c, uint32_t inode, const std::string& name) = 0;

  // ---- files. open() checks permissions for the O_ACCMODE in flags and
  // returns a handle; O_TRUNC is applied. create() is mknod + open.
  virtual St open(const Cred& c, uint32_t inode, int flags, uint64_t* fh) = 0;
  virtual St create(const Cred& c, uint32_t parent, const std::string& name, uint16_t mode, int flags, Attr* out,
                    uint64_t* fh, uint16_t umask = 0) = 0;
  // Reads up to size bytes at off; short only at end of file.
  virtual St read(uint64_t fh, uint64_t off, size_t size, std::string* out) = 0;
  // Buffers the write (write-back); errors surface at the latest on flush/fsync.
  // A handle opened with O_APPEND ignores off: the master reserves the range
  // at the end of the file (ClAppend) and the data is written at once.
  virtual St write(uint64_t fh, uint64_t off, const char* data, size_t size) = 0;
  virtual St flush(uint64_t fh) = 0;                 // close(2) of one descriptor
  virtual St fsync(uint64_t fh, bool datasync) = 0;  // data on every copy, on disk
  virtual St release(uint64_t fh) = 0;               // last close of the handle
  // The file's extra attributes (msg::EattrBits) when the handle was opened
  // (0 for handles from create()): nodatacache turns off the page cache.
  virtual uint8_t handle_eattr(uint64_t fh) = 0;

  // ---- tools (mfs* commands, meta mount): a request of type
  // msg::kToolFirst..kToolLast whose payload starts with a msg::ToolHeader;
  // the header is replaced by c. *reply_type/*reply get the master's answer.
  virtual St tool(const Cred& c, uint32_t type, std::string_view payload, uint32_t* reply_type, std::string* reply) = 0;

  // ---- file locks held across clients
  virtual LockClient& locks() = 0;

  // ---- the session, for mfsmount's /health and /metrics (any thread)
  virtual bool connected() = 0;          // to the master, registered, now
  virtual uint64_t registrations() = 0;  // so far: 1, plus one per reconnection
};

}  // namespace antler::client

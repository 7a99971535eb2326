// Messages between clients and the master on port 9421 (100..169).
// See common/msg/base.h for the framing and numbering rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"

namespace antler::msg {

// ------------------------------------------------- client/tools <-> master

// Every client request starts with req (echoed in the reply) and is answered
// by exactly one reply. Inode 1 is the root of the session's export.

// When the client holds a password (passcode) and a rule that would admit it
// has one, the master answers with ClChallenge first; the client proves the
// password with ClChallengeReply and then gets the ClRegisterReply.
struct ClRegister {
  static constexpr uint32_t kType = 100;
  uint32_t req = 0;
  std::string subdir = "/";  // requested subfolder of the export
  std::string secret;        // with session_id: the ClRegisterReply.secret that proves the session is ours
  uint64_t session_id = 0;   // non-zero: resume this session after reconnect
  std::string info;          // mount point, for status listings
  bool meta = false;         // meta mount (trash/sustained)
  bool passcode = false;     // the client holds a password and will answer a ClChallenge
  uint32_t version = 0;      // client version, MAJOR << 16 | MINOR << 8 | PATCH (minversion=)
  ANTLER_FIELDS(req, subdir, secret, session_id, info, meta, passcode, version)
};

struct ClRegisterReply {
  static constexpr uint32_t kType = 101;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t session_id = 0;
  bool readonly = false;
  std::string message;
  std::string secret;    // the session's secret: a later ClRegister resumes it only with this
  bool resumed = false;  // the session asked for was resumed (else a new one: reopen files, re-claim locks)
  // The client's kernel may check permissions too: its check, from the
  // caller's ids and the attributes and ACLs, agrees with the master's. Not
  // under mapall (the master sees another user) or ignoregid (group bits for
  // every non-owner).
  bool kernel_checks = false;
  ANTLER_FIELDS(req, status, session_id, readonly, message, secret, resumed, kernel_checks)
};

// Exports (160..169).

// Master -> client, in place of ClRegisterReply: prove the export password.
struct ClChallenge {
  static constexpr uint32_t kType = 160;
  uint32_t req = 0;   // the ClRegister's req
  std::string nonce;  // 32 random bytes, new for every registration
  ANTLER_FIELDS(req, nonce)
};

// Client -> master: digest = HMAC-SHA256(key = MD5(password), nonce).
struct ClChallengeReply {
  static constexpr uint32_t kType = 161;
  uint32_t req = 0;
  std::string digest;  // 32 bytes
  ANTLER_FIELDS(req, digest)
};

// `dirs`, in the replies to namespace changes (create, mknod, mkdir,
// symlink, link, unlink, rmdir, rename): the directories the change
// modified, with their attributes just after it. The kernel drops its copy
// of a parent's attributes after each such change and, when it checks
// permissions itself, asks for them before the next one; a client may
// answer that from these while its attribute cache time lasts.
struct ClStatusReply {
  static constexpr uint32_t kType = 102;
  uint32_t req = 0;
  St status = St::kOk;
  std::vector<Attr> dirs;
  ANTLER_FIELDS(req, status, dirs)
};

struct ClAttrReply {
  static constexpr uint32_t kType = 103;
  uint32_t req = 0;
  St status = St::kOk;
  Attr attr;
  std::vector<Attr> dirs;
  ANTLER_FIELDS(req, status, attr, dirs)
};

struct ClLookup {
  static constexpr uint32_t kType = 110;
  uint32_t req = 0;
  Cred cred;
  uint32_t parent = 0;
  std::string name;
  ANTLER_FIELDS(req, cred, parent, name)
};

struct ClGetattr {
  static constexpr uint32_t kType = 111;
  uint32_t req = 0;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, inode)
};

// Setattr mask bits.
enum SetMask : uint32_t {
  kSetMode = 1,
  kSetUid = 2,
  kSetGid = 4,
  kSetSize = 8,
  kSetAtime = 16,
  kSetMtime = 32,
  kSetAtimeNow = 64,
  kSetMtimeNow = 128,
};

struct ClSetattr {
  static constexpr uint32_t kType = 112;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint32_t mask = 0;
  uint16_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  bool opened_for_write = false;  // truncate through an fd opened for writing
  ANTLER_FIELDS(req, cred, inode, mask, mode, uid, gid, size, atime_ns, mtime_ns, opened_for_write)
};

// Creates a file, directory, FIFO, socket or device node.
struct ClMknod {
  static constexpr uint32_t kType = 113;
  uint32_t req = 0;
  Cred cred;
  uint32_t parent = 0;
  std::string name;
  uint8_t type = kFile;
  uint16_t mode = 0;  // after umask
  uint32_t rdev = 0;
  bool exclusive = true;  // EEXIST if present; false: open existing (O_CREAT without O_EXCL)
  // open(O_CREAT): also count the file as open by the session (as ClOpen).
  // An existing file (exclusive false) must allow open_mask (R_OK/W_OK bits).
  bool open = false;
  uint8_t open_mask = 0;
  // The creating process's umask. The master applies it to mode unless the
  // parent directory has a default ACL (then the ACL masks instead). Clients
  // that already applied it send 0.
  uint16_t umask = 0;
  ANTLER_FIELDS(req, cred, parent, name, type, mode, rdev, exclusive, open, open_mask, umask)
};

struct ClUnlink {
  static constexpr uint32_t kType = 114;
  uint32_t req = 0;
  Cred cred;
  uint32_t parent = 0;
  std::string name;
  bool dir = false;  // rmdir
  ANTLER_FIELDS(req, cred, parent, name, dir)
};

struct ClSymlink {
  static constexpr uint32_t kType = 115;
  uint32_t req = 0;
  Cred cred;
  uint32_t parent = 0;
  std::string name;
  std::string target;
  ANTLER_FIELDS(req, cred, parent, name, target)
};

struct ClReadlink {
  static constexpr uint32_t kType = 116;
  uint32_t req = 0;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, inode)
};

struct ClReadlinkReply {
  static constexpr uint32_t kType = 117;
  uint32_t req = 0;
  St status = St::kOk;
  std::string target;
  ANTLER_FIELDS(req, status, target)
};

enum RenameFlags : uint32_t { kRenameNoReplace = 1, kRenameExchange = 2 };

struct ClRename {
  static constexpr uint32_t kType = 118;
  uint32_t req = 0;
  Cred cred;
  uint32_t parent = 0;
  std::string name;
  uint32_t new_parent = 0;
  std::string new_name;
  uint32_t flags = 0;
  ANTLER_FIELDS(req, cred, parent, name, new_parent, new_name, flags)
};

struct ClLink {
  static constexpr uint32_t kType = 119;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint32_t new_parent = 0;
  std::string new_name;
  ANTLER_FIELDS(req, cred, inode, new_parent, new_name)
};

struct ClReaddir {
  static constexpr uint32_t kType = 120;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint64_t offset = 0;  // index of the first entry wanted (after . and ..)
  uint32_t max_entries = 0;
  ANTLER_FIELDS(req, cred, inode, offset, max_entries)
};

struct ClReaddirReply {
  static constexpr uint32_t kType = 121;
  uint32_t req = 0;
  St status = St::kOk;
  std::vector<DirEntry> entries;
  bool eof = false;
  ANTLER_FIELDS(req, status, entries, eof)
};

struct ClStatfs {
  static constexpr uint32_t kType = 122;
  uint32_t req = 0;
  ANTLER_FIELDS(req)
};

struct ClStatfsReply {
  static constexpr uint32_t kType = 123;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t total_bytes = 0;
  uint64_t avail_bytes = 0;
  uint64_t trash_bytes = 0;
  uint64_t inodes = 0;
  ANTLER_FIELDS(req, status, total_bytes, avail_bytes, trash_bytes, inodes)
};

// access(2) and open(2) permission checks; mask is R_OK|W_OK|X_OK.
struct ClAccess {
  static constexpr uint32_t kType = 124;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint8_t mask = 0;
  ANTLER_FIELDS(req, cred, inode, mask)
};

// open(2): checks access for mask (R_OK/W_OK bits of the open mode) and
// counts the file as open by this session, so an unlinked file lives on
// (sustained) until its last close. Answered with ClOpenReply.
struct ClOpen {
  static constexpr uint32_t kType = 125;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint8_t mask = 0;
  bool append = false;  // O_APPEND: allowed on appendonly files
  // A handle the client held in a session the master no longer knows (it
  // restarted): opened again, and also granted to the file's owner, whose
  // handle may predate a chmod (open(O_CREAT) of a 0444 file is writable).
  bool reclaim = false;
  ANTLER_FIELDS(req, cred, inode, mask, append, reclaim)
};

// Reply to ClOpen: the attributes and, to spare small files a round trip,
// where the file's first chunk lives (chunk_id 0: none).
struct ClOpenReply {
  static constexpr uint32_t kType = 127;
  uint32_t req = 0;
  St status = St::kOk;
  Attr attr;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<Location> locations;
  std::string token;  // read token of chunk 0
  ANTLER_FIELDS(req, status, attr, chunk_id, version, locations, token)
};

// One close of inode: undoes one count of ClOpen (or ClMknod with open). Answered with ClStatusReply.
struct ClRelease {
  static constexpr uint32_t kType = 126;
  uint32_t req = 0;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, inode)
};

// Where the chunk at (inode, index) lives, for reading.
struct ClReadChunk {
  static constexpr uint32_t kType = 130;
  uint32_t req = 0;
  uint32_t inode = 0;
  uint32_t index = 0;
  ANTLER_FIELDS(req, inode, index)
};

// Reply to ClReadChunk and ClWriteChunk. chunk_id 0: a hole (reads as zeros).
struct ClChunkReply {
  static constexpr uint32_t kType = 131;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t file_length = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<Location> locations;  // for writes: the chain, in order
  std::string token;                // chunk access token for the chunkservers (read or write)
  ANTLER_FIELDS(req, status, file_length, chunk_id, version, locations, token)
};

// Takes the write lease of a chunk (creating it, or bumping its version).
struct ClWriteChunk {
  static constexpr uint32_t kType = 132;
  uint32_t req = 0;
  uint32_t inode = 0;
  uint32_t index = 0;
  uint64_t end = 0;  // the file length the write will need (quota check)
  ANTLER_FIELDS(req, inode, index, end)
};

// Ends a write lease; length is the file length the writer needs (never shrinks).
struct ClWriteChunkEnd {
  static constexpr uint32_t kType = 133;
  uint32_t req = 0;
  uint32_t inode = 0;
  uint64_t chunk_id = 0;
  uint64_t length = 0;
  St status = St::kOk;  // St of the write; not ok: the master checks the copies
  ANTLER_FIELDS(req, inode, chunk_id, length, status)
};

// ------------------------------------------------------ extended attributes
//
// Names are whole ("user.x", "trusted.x", "security.x",
// "system.posix_acl_access", "system.posix_acl_default"); ACL values are the
// Linux xattr encoding (see docs/protocol.md). Limits as Linux: names up to
// 255 bytes, values up to 64 KiB.
constexpr uint32_t kXattrNameMax = 255;
constexpr uint32_t kXattrSizeMax = 65536;

// getxattr(2): size 0 asks for the value's length only (in the reply's size);
// otherwise a value longer than size is kRange. Answered with ClXattrReply.
struct ClGetXattr {
  static constexpr uint32_t kType = 140;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  std::string name;
  uint32_t size = 0;
  ANTLER_FIELDS(req, cred, inode, name, size)
};

// Reply to ClGetXattr and ClListXattr: size is the length of the whole
// value (or name list); value is empty when the request's size was 0.
// attr_flags: the inode's Attr flags, so that a client can answer for an
// inode without any xattr itself for a while (the kernel asks for
// security.capability before every write).
struct ClXattrReply {
  static constexpr uint32_t kType = 141;
  uint32_t req = 0;
  St status = St::kOk;
  uint32_t size = 0;
  std::string value;
  uint8_t attr_flags = 0;
  ANTLER_FIELDS(req, status, size, value, attr_flags)
};

// listxattr(2): the names the caller may see, each followed by a NUL, with
// the same size rules as ClGetXattr.
struct ClListXattr {
  static constexpr uint32_t kType = 142;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint32_t size = 0;
  ANTLER_FIELDS(req, cred, inode, size)
};

enum XattrFlags : uint32_t { kXattrCreate = 1, kXattrReplace = 2 };  // as XATTR_CREATE / XATTR_REPLACE

// setxattr(2). Answered with ClStatusReply.
struct ClSetXattr {
  static constexpr uint32_t kType = 143;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  std::string name;
  std::string value;
  uint32_t flags = 0;  // XattrFlags
  ANTLER_FIELDS(req, cred, inode, name, value, flags)
};

// removexattr(2). Answered with ClStatusReply.
struct ClRemoveXattr {
  static constexpr uint32_t kType = 144;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  std::string name;
  ANTLER_FIELDS(req, cred, inode, name)
};

// ------------------------------------------------------------------ locks
// File locks held across clients (see docs/protocol.md, "Locks"). Locks are
// not metadata: the master keeps them in memory only, per session.

enum LockKind : uint8_t { kLockFlock = 1, kLockPosix = 2 };  // flock(2) / fcntl(2) byte ranges
enum LockType : uint8_t { kLockRead = 1, kLockWrite = 2, kLockUnlock = 3 };

// Sets or clears a lock of `owner` (the kernel's lock owner: the open file
// for flock, the process' files table for POSIX locks). Byte ranges are
// [start, end] inclusive; end UINT64_MAX reaches past the end of the file
// (flock ignores them). wait: block until granted (F_SETLKW, flock without
// LOCK_NB); the reply then comes when the lock is granted, or kInterrupted
// after ClLockCancel, or kDeadlock. Without wait a conflict is kAgain.
// reclaim: a lock this session held before a master restart (granted in the
// grace period, never waits). Answered with ClStatusReply.
struct ClLock {
  static constexpr uint32_t kType = 150;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint64_t owner = 0;
  uint8_t kind = kLockPosix;
  uint8_t type = kLockUnlock;
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;
  uint32_t pid = 0;
  bool wait = false;
  bool reclaim = false;
  ANTLER_FIELDS(req, cred, inode, owner, kind, type, start, end, pid, wait, reclaim)
};

// Interrupts this session's waiting ClLock requests of (inode, owner, kind):
// they are answered kInterrupted. Answered with ClStatusReply.
struct ClLockCancel {
  static constexpr uint32_t kType = 151;
  uint32_t req = 0;
  uint32_t inode = 0;
  uint64_t owner = 0;
  uint8_t kind = kLockPosix;
  ANTLER_FIELDS(req, inode, owner, kind)
};

// F_GETLK: the first POSIX lock of another owner that conflicts with a
// `type` lock on [start, end]. Answered with ClGetLockReply.
struct ClGetLock {
  static constexpr uint32_t kType = 152;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint64_t owner = 0;
  uint8_t type = kLockWrite;
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;
  uint32_t pid = 0;
  ANTLER_FIELDS(req, cred, inode, owner, type, start, end, pid)
};

// type kLockUnlock: no conflict. Otherwise the conflicting lock and the pid
// that its owner gave when taking it.
struct ClGetLockReply {
  static constexpr uint32_t kType = 153;
  uint32_t req = 0;
  St status = St::kOk;
  uint8_t type = kLockUnlock;
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t pid = 0;
  ANTLER_FIELDS(req, status, type, start, end, pid)
};

// O_APPEND writes: reserves `length` bytes at the end of the file. The file
// grows by length at once, so concurrent appenders (any mounts) get disjoint
// ranges. Answered with ClAppendReply (offset: where to write).
struct ClAppend {
  static constexpr uint32_t kType = 154;
  uint32_t req = 0;
  uint32_t inode = 0;
  uint64_t length = 0;
  ANTLER_FIELDS(req, inode, length)
};

struct ClAppendReply {
  static constexpr uint32_t kType = 155;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t offset = 0;
  ANTLER_FIELDS(req, status, offset)
};

}  // namespace antler::msg

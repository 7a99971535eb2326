// Every message of the Antler wire protocol, declared once.
//
// Frame: u32 type, u32 length, payload (little-endian). The payload is the
// message's fields encoded by common/serde.h. Message numbers are frozen once
// released; fields are only appended. Ranges:
//   1..99    handshake and generic
//   100..199 client/tools <-> master (port 9421)
//   200..299 chunkserver <-> master (port 9420)
//   300..399 client/chunkserver <-> chunkserver (port 9422)
// docs/protocol.md describes each exchange in prose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/serde.h"

namespace antler::msg {

constexpr uint32_t kProtocolVersion = 1;
constexpr uint32_t kMaxFrame = 80u << 20;  // 64 MiB chunk + slack
constexpr uint32_t kChunkSize = 64u << 20;
constexpr uint32_t kBlockSize = 64u << 10;
constexpr uint32_t kBlocksPerChunk = kChunkSize / kBlockSize;

enum Role : uint8_t { kRoleClient = 1, kRoleChunkserver = 2, kRoleMetalogger = 3, kRoleTool = 4 };

// File types, as MooseFS letters.
enum NodeType : uint8_t {
  kFile = 'f', kDir = 'd', kSymlink = 'l', kFifo = 'q', kSocket = 's', kBlockDev = 'b', kCharDev = 'c',
};

// ---------------------------------------------------------------- shared parts

struct Location {
  uint32_t ip = 0;    // IPv4, host byte order
  uint16_t port = 0;
  ANTLER_FIELDS(ip, port)
  bool operator==(const Location&) const = default;
};

struct Cred {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // supplementary groups (may include gid)
  ANTLER_FIELDS(uid, gid, groups)
};

struct Attr {
  uint32_t inode = 0;
  uint8_t type = kFile;
  uint16_t mode = 0;  // permission bits incl. suid/sgid/sticky (07777)
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  uint32_t nlink = 0;
  uint64_t size = 0;
  uint32_t rdev = 0;
  uint8_t goal = 0;
  uint32_t trashtime = 0;
  uint8_t eattr = 0;  // EattrBits
  uint8_t flags = 0;  // AttrFlags
  ANTLER_FIELDS(inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, size, rdev, goal,
                trashtime, eattr, flags)
};

enum AttrFlags : uint8_t {
  kFlagXattr = 1,  // the inode has extended attributes or an ACL
};

// Extra attributes (MooseFS "eattr"), per inode.
enum EattrBits : uint8_t {
  kEattrNoOwner = 1,          // every user counts as the owner
  kEattrNoAttrCache = 2,      // clients do not cache attributes
  kEattrNoEntryCache = 4,     // clients do not cache lookups in this directory
  kEattrNoDataCache = 8,      // clients do not cache file data
  kEattrSnapshot = 16,        // may only be the target/source of snapshots, see docs/tools.md
  kEattrUndeletable = 32,     // cannot be unlinked, renamed away or removed
  kEattrAppendOnly = 64,      // data may only be appended
  kEattrImmutable = 128,      // nothing about it may change
};

struct DirEntry {
  std::string name;
  Attr attr;
  ANTLER_FIELDS(name, attr)
};

struct ChunkRef {
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(chunk_id, version)
};

// ------------------------------------------------------------------ handshake

// First message on every connection, from the connecting side.
struct Hello {
  static constexpr uint32_t kType = 1;
  uint32_t protocol = kProtocolVersion;
  uint64_t features = 0;
  uint64_t cluster_id = 0;    // 0: not known yet
  uint64_t meta_version = 0;  // highest metadata version the peer has seen
  uint8_t role = kRoleClient;
  std::string name;           // host name / description, for logs
  ANTLER_FIELDS(protocol, features, cluster_id, meta_version, role, name)
};

struct HelloReply {
  static constexpr uint32_t kType = 2;
  uint8_t status = 0;  // St
  uint32_t protocol = kProtocolVersion;
  uint64_t features = 0;
  uint64_t cluster_id = 0;
  uint64_t meta_version = 0;
  std::string message;  // reason, when status != ok
  ANTLER_FIELDS(status, protocol, features, cluster_id, meta_version, message)
};

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
  std::string password;      // retired: never sent (passwords go by challenge)
  uint64_t session_id = 0;   // non-zero: resume this session after reconnect
  std::string info;          // mount point, for status listings
  bool meta = false;         // meta mount (trash/sustained)
  bool passcode = false;     // the client holds a password and will answer a ClChallenge
  uint32_t version = 0;      // client version, MAJOR << 16 | MINOR << 8 | PATCH (minversion=)
  ANTLER_FIELDS(req, subdir, password, session_id, info, meta, passcode, version)
};

struct ClRegisterReply {
  static constexpr uint32_t kType = 101;
  uint32_t req = 0;
  uint8_t status = 0;
  uint64_t session_id = 0;
  bool readonly = false;
  std::string message;
  ANTLER_FIELDS(req, status, session_id, readonly, message)
};

// Exports (160..169).

// Master -> client, in place of ClRegisterReply: prove the export password.
struct ClChallenge {
  static constexpr uint32_t kType = 160;
  uint32_t req = 0;    // the ClRegister's req
  std::string nonce;   // 32 random bytes, new for every registration
  ANTLER_FIELDS(req, nonce)
};

// Client -> master: digest = HMAC-SHA256(key = MD5(password), nonce).
struct ClChallengeReply {
  static constexpr uint32_t kType = 161;
  uint32_t req = 0;
  std::string digest;  // 32 bytes
  ANTLER_FIELDS(req, digest)
};

struct ClStatusReply {
  static constexpr uint32_t kType = 102;
  uint32_t req = 0;
  uint8_t status = 0;
  ANTLER_FIELDS(req, status)
};

struct ClAttrReply {
  static constexpr uint32_t kType = 103;
  uint32_t req = 0;
  uint8_t status = 0;
  Attr attr;
  ANTLER_FIELDS(req, status, attr)
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
  kSetMode = 1, kSetUid = 2, kSetGid = 4, kSetSize = 8, kSetAtime = 16, kSetMtime = 32,
  kSetAtimeNow = 64, kSetMtimeNow = 128,
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
  uint16_t mode = 0;   // after umask
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
  uint8_t status = 0;
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
  uint64_t offset = 0;      // index of the first entry wanted (after . and ..)
  uint32_t max_entries = 0;
  ANTLER_FIELDS(req, cred, inode, offset, max_entries)
};

struct ClReaddirReply {
  static constexpr uint32_t kType = 121;
  uint32_t req = 0;
  uint8_t status = 0;
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
  uint8_t status = 0;
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
  ANTLER_FIELDS(req, cred, inode, mask, append)
};

// Reply to ClOpen: the attributes and, to spare small files a round trip,
// where the file's first chunk lives (chunk_id 0: none).
struct ClOpenReply {
  static constexpr uint32_t kType = 127;
  uint32_t req = 0;
  uint8_t status = 0;
  Attr attr;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<Location> locations;
  ANTLER_FIELDS(req, status, attr, chunk_id, version, locations)
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
  uint8_t status = 0;
  uint64_t file_length = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<Location> locations;  // for writes: the chain, in order
  ANTLER_FIELDS(req, status, file_length, chunk_id, version, locations)
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
  uint8_t status = 0;  // St of the write; not ok: the master checks the copies
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
  uint8_t status = 0;
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
  uint8_t status = 0;
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
  uint8_t status = 0;
  uint64_t offset = 0;
  ANTLER_FIELDS(req, status, offset)
};

// ---------------------------------------------------- chunkserver <-> master

struct CsRegister {
  static constexpr uint32_t kType = 200;
  uint32_t ip = 0;  // 0: the master uses the connection's peer address
  uint16_t port = 0;
  uint64_t total_bytes = 0;
  uint64_t used_bytes = 0;
  std::vector<ChunkRef> chunks;
  std::string label;
  // Chunks (of `chunks`) on disks marked for removal ('*' in mfshdd.cfg):
  // readable copies that do not count toward their goal.
  std::vector<uint64_t> removal_chunks;
  std::string version;  // the chunkserver's release, e.g. "0.4.0" (mfscli)
  ANTLER_FIELDS(ip, port, total_bytes, used_bytes, chunks, label, removal_chunks, version)
};

struct CsRegisterReply {
  static constexpr uint32_t kType = 201;
  uint8_t status = 0;
  uint32_t cs_id = 0;
  std::string message;
  ANTLER_FIELDS(status, cs_id, message)
};

// One disk of a chunkserver, as its heartbeat (CsSpace) reports it.
enum CsDiskFlags : uint8_t {
  kDiskRemoval = 1,  // '*' in mfshdd.cfg: marked for removal
  kDiskFailed = 2,   // taken out of service after too many I/O errors
  kDiskMoveOut = 4,  // '<': its chunks move to the server's other disks
  kDiskMoveIn = 8,   // '>': chunks of '<' disks move here
};

struct CsDisk {
  std::string path;
  uint8_t flags = 0;  // CsDiskFlags
  uint32_t chunks = 0;
  uint64_t used = 0;
  uint64_t total = 0;
  uint64_t errors = 0;  // I/O errors seen since the start
  // Data I/O over the last window_s seconds (up to a minute): bytes,
  // operations, their summed and longest times in microseconds.
  uint32_t window_s = 0;
  uint64_t rbytes = 0, wbytes = 0;
  uint64_t rops = 0, wops = 0, fsyncs = 0;
  uint64_t r_us = 0, w_us = 0, fsync_us = 0;
  uint32_t r_max_us = 0, w_max_us = 0, fsync_max_us = 0;
  ANTLER_FIELDS(path, flags, chunks, used, total, errors, window_s, rbytes, wbytes, rops, wops, fsyncs, r_us, w_us,
                fsync_us, r_max_us, w_max_us, fsync_max_us)
};

struct CsSpace {
  static constexpr uint32_t kType = 202;
  uint64_t total_bytes = 0;
  uint64_t used_bytes = 0;
  uint32_t chunk_count = 0;
  uint32_t load = 0;  // operations in progress
  std::vector<CsDisk> disks;  // per disk (mfscli -SHD)
  ANTLER_FIELDS(total_bytes, used_bytes, chunk_count, load, disks)
};

// Master commands; each is answered with CsOpStatus carrying the same op_id.
struct CsCreate {
  static constexpr uint32_t kType = 210;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(op_id, chunk_id, version)
};

struct CsDelete {
  static constexpr uint32_t kType = 211;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;  // 0: any version
  ANTLER_FIELDS(op_id, chunk_id, version)
};

struct CsSetVersion {
  static constexpr uint32_t kType = 212;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;      // expected current version
  uint32_t new_version = 0;
  ANTLER_FIELDS(op_id, chunk_id, version, new_version)
};

struct CsTruncate {
  static constexpr uint32_t kType = 213;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  uint32_t new_version = 0;
  uint32_t length = 0;  // new data length of the chunk
  ANTLER_FIELDS(op_id, chunk_id, version, new_version, length)
};

// Copy-on-write for snapshots: make a new chunk new_chunk_id at new_version
// from the local copy of chunk_id at version, cut or zero-extended to
// `length` bytes (kKeepLength: the same length). Answered with CsOpStatus
// (for new_chunk_id).
struct CsDuplicate {
  static constexpr uint32_t kType = 215;
  static constexpr uint32_t kKeepLength = 0xFFFFFFFF;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  uint64_t new_chunk_id = 0;
  uint32_t new_version = 0;
  uint32_t length = kKeepLength;
  ANTLER_FIELDS(op_id, chunk_id, version, new_chunk_id, new_version, length)
};

// Copy a chunk from another chunkserver (pull) and keep it at version.
struct CsReplicate {
  static constexpr uint32_t kType = 214;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  Location source;
  ANTLER_FIELDS(op_id, chunk_id, version, source)
};

struct CsOpStatus {
  static constexpr uint32_t kType = 220;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  uint8_t status = 0;
  uint32_t version = 0;  // version the chunk has now on that server
  ANTLER_FIELDS(op_id, chunk_id, status, version)
};

// Unsolicited: a copy failed its CRC check or vanished.
struct CsChunkDamaged {
  static constexpr uint32_t kType = 221;
  uint64_t chunk_id = 0;
  ANTLER_FIELDS(chunk_id)
};

// ------------------------------------------- anyone <-> chunkserver (9422)

struct CsRead {
  static constexpr uint32_t kType = 300;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  uint32_t offset = 0;  // within the chunk
  uint32_t size = 0;
  ANTLER_FIELDS(chunk_id, version, offset, size)
};

// Zero or more of these (each within one 64 KiB block), then CsReadStatus.
struct CsReadData {
  static constexpr uint32_t kType = 301;
  uint64_t chunk_id = 0;
  uint32_t offset = 0;
  uint32_t crc = 0;  // CRC32C of data
  std::string data;
  ANTLER_FIELDS(chunk_id, offset, crc, data)
};

// Ends a read. Data is only sent for bytes below chunk_length (the chunk's
// stored data length); the reader treats the rest of the range as zeros.
struct CsReadStatus {
  static constexpr uint32_t kType = 302;
  uint64_t chunk_id = 0;
  uint8_t status = 0;
  uint32_t chunk_length = 0;
  ANTLER_FIELDS(chunk_id, status, chunk_length)
};

// Opens a write on this server and, through it, on the rest of the chain.
// Acknowledged with CsWriteStatus{write_id = 0} once the whole chain is open.
struct CsWriteInit {
  static constexpr uint32_t kType = 310;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<Location> chain;  // servers after this one
  ANTLER_FIELDS(chunk_id, version, chain)
};

// A piece of data inside one 64 KiB block. Acknowledged with CsWriteStatus
// once every server of the chain has written it.
struct CsWriteData {
  static constexpr uint32_t kType = 311;
  uint64_t chunk_id = 0;
  uint32_t write_id = 0;  // > 0, increasing
  uint32_t offset = 0;
  uint32_t crc = 0;  // CRC32C of data
  std::string data;
  ANTLER_FIELDS(chunk_id, write_id, offset, crc, data)
};

struct CsWriteStatus {
  static constexpr uint32_t kType = 312;
  uint64_t chunk_id = 0;
  uint32_t write_id = 0;
  uint8_t status = 0;
  ANTLER_FIELDS(chunk_id, write_id, status)
};

// Closes the write (flushes to disk when fsync is set); answered with
// CsWriteStatus{write_id = UINT32_MAX}.
struct CsWriteEnd {
  static constexpr uint32_t kType = 313;
  uint64_t chunk_id = 0;
  bool fsync = false;
  ANTLER_FIELDS(chunk_id, fsync)
};

// The checksum of one copy (mfsfileinfo -c, -s). The server reads every
// block of the copy up to its data length and checks it against its stored
// CRC; digest is MD5 over those blocks' CRC32Cs (u32 little-endian, block
// order), each computed from the data as read, so an intact copy's digest is
// that of its stored CRC table and a damaged one's differs. Answered with
// CsChecksumReply; status kNoChunk or kWrongVersion when the server does not
// hold that chunk at that version.
struct CsChecksum {
  static constexpr uint32_t kType = 320;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(chunk_id, version)
};

struct CsChecksumReply {
  static constexpr uint32_t kType = 321;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  uint8_t status = 0;
  uint32_t blocks = 0;      // 64 KiB blocks holding data: ceil(data length / 64 KiB)
  std::string digest;       // 16 bytes when status is ok
  uint32_t bad_blocks = 0;  // blocks whose data does not match their stored CRC
  ANTLER_FIELDS(chunk_id, version, status, blocks, digest, bad_blocks)
};

}  // namespace antler::msg

#include "common/messages_tools.h"
#include "common/messages_cli.h"

namespace antler::msg {

// Every message, for code that must cover them all (codec tests, fuzzer).
template <class... T>
struct TypeList {};
using AllMessages =
    TypeList<Hello, HelloReply, ClRegister, ClRegisterReply, ClChallenge, ClChallengeReply, ClStatusReply, ClAttrReply, ClLookup, ClGetattr,
             ClSetattr, ClMknod, ClUnlink, ClSymlink, ClReadlink, ClReadlinkReply, ClRename, ClLink, ClReaddir,
             ClReaddirReply, ClStatfs, ClStatfsReply, ClAccess, ClOpen, ClOpenReply, ClRelease, ClReadChunk, ClChunkReply,
             ClWriteChunk, ClWriteChunkEnd, ClGetXattr, ClXattrReply, ClListXattr, ClSetXattr,
             ClRemoveXattr, CsRegister, CsRegisterReply, CsSpace, CsCreate, CsDelete, CsSetVersion,
             CsTruncate, CsDuplicate, CsReplicate, CsOpStatus, CsChunkDamaged, CsRead, CsReadData, CsReadStatus, CsWriteInit,
             CsWriteData, CsWriteStatus, CsWriteEnd, ClToolGet, ClToolGetReply, ClToolSet, ClToolSetReply,
             ClSnapshot, ClAppendChunks, ClQuota, ClQuotaReply, ClTrashList, ClTrashListReply, ClUndel, ClTrashPurge, ClLock, ClLockCancel, ClGetLock, ClGetLockReply,
             ClAppend, ClAppendReply, ClFileInfo, ClFileInfoReply, ClFilePaths, ClFilePathsReply, ClDirInfo,
             ClDirInfoReply, ClFileRepair, ClFileRepairReply, CsStopping, CliInfo, CliInfoReply, CliServers,
             CliServersReply, CliCommand, CliCommandReply, CliMissing, CliMissingReply, CsChecksum,
             CsChecksumReply>;

}  // namespace antler::msg

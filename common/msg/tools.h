// Messages of the mfs* tools and the meta mount (client -> master, 170..199).
// See common/msg/base.h for the framing and numbering rules.
//
// Tools never talk to the master themselves: they write a request frame to
// the mount's control file (`.antlerctl` in the mount root) and read the reply
// frame back. The mount replaces the request's leading (req, cred) with its
// own request id and the caller's credentials as the kernel reports them, so
// every tool request begins with exactly these two fields (ToolHeader), and
// only types in [kToolFirst, kToolLast] are forwarded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"

namespace antler::msg {

constexpr uint32_t kToolFirst = 170;
constexpr uint32_t kToolLast = 199;

struct ToolHeader {
  uint32_t req = 0;
  Cred cred;
  ANTLER_FIELDS(req, cred)
};

// Which inode attribute a ClToolGet/ClToolSet is about.
enum ToolAttr : uint8_t { kAttrGoal = 1, kAttrTrashtime = 2, kAttrEattr = 3 };

// How ClToolSet changes it: set exactly; raise to (N+); lower to (N-); for
// eattr, add or remove bits.
enum ToolSetMode : uint8_t { kSetExact = 0, kSetRaise = 1, kSetLower = 2, kSetAddBits = 3, kSetDelBits = 4 };

struct ValueCount {
  uint32_t value = 0;
  uint64_t count = 0;
  ANTLER_FIELDS(value, count)
};

// Reads goal, trash time or eattr of an inode; recursive: also counts every
// value over the whole tree below it (the inode itself included).
struct ClToolGet {
  static constexpr uint32_t kType = 170;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint8_t what = kAttrGoal;
  bool recursive = false;
  ANTLER_FIELDS(req, cred, inode, what, recursive)
};

struct ClToolGetReply {
  static constexpr uint32_t kType = 171;
  uint32_t req = 0;
  St status = St::kOk;
  uint32_t value = 0;             // of the inode itself
  std::vector<ValueCount> files;  // recursive: files (non-directories) by value
  std::vector<ValueCount> dirs;   // recursive: directories by value
  ANTLER_FIELDS(req, status, value, files, dirs)
};

// Changes goal, trash time or eattr of an inode (and, recursive, of every
// inode below it that the caller owns).
struct ClToolSet {
  static constexpr uint32_t kType = 172;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint8_t what = kAttrGoal;
  uint32_t value = 0;
  uint8_t mode = kSetExact;  // ToolSetMode
  bool recursive = false;
  ANTLER_FIELDS(req, cred, inode, what, value, mode, recursive)
};

struct ClToolSetReply {
  static constexpr uint32_t kType = 173;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t changed = 0;
  uint64_t not_changed = 0;
  uint64_t not_permitted = 0;
  uint32_t value = 0;  // the inode's value afterwards
  ANTLER_FIELDS(req, status, changed, not_changed, not_permitted, value)
};

enum SnapshotFlags : uint8_t {
  kSnapOverwrite = 1,  // replace an existing target (-o)
  kSnapCpAttrs = 2,    // new objects belong to the caller, with umask applied (-c)
  kSnapKeepLinks = 4,  // hard links inside the tree stay links (-p: preserve)
};

// Makes `name` in directory `dst_parent` a lazy copy of inode `src` (file or
// whole tree): chunks are shared until written. Answered with ClStatusReply.
struct ClSnapshot {
  static constexpr uint32_t kType = 174;
  uint32_t req = 0;
  Cred cred;
  uint32_t src = 0;
  uint32_t dst_parent = 0;
  std::string name;
  uint8_t flags = 0;
  uint16_t umask = 022;
  ANTLER_FIELDS(req, cred, src, dst_parent, name, flags, umask)
};

// Appends the chunks of file `src` to file `dst` (sharing them), starting at
// dst's next chunk boundary. Answered with ClStatusReply.
struct ClAppendChunks {
  static constexpr uint32_t kType = 175;
  uint32_t req = 0;
  Cred cred;
  uint32_t dst = 0;
  uint32_t src = 0;
  ANTLER_FIELDS(req, cred, dst, src)
};

// ---- quotas

enum QuotaOp : uint8_t { kQuotaGet = 0, kQuotaSet = 1, kQuotaDel = 2 };

// Limit slots of ClQuota/ClQuotaReply `limits`, and ClQuota `mask` bits
// (1 << slot): soft inodes, length, size, realsize, then the hard ones.
constexpr uint32_t kQuotaSlots = 8;

// Reads (kQuotaGet), sets (kQuotaSet: the limits whose mask bit is set take
// their `limits` value) or removes (kQuotaDel: the limits in mask) the
// quota of a directory; with set_grace the grace period becomes `grace`
// seconds (0: the master's default). Setting and removing need root and an
// export with `admin`. Answered with ClQuotaReply, the quota afterwards.
struct ClQuota {
  static constexpr uint32_t kType = 176;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  uint8_t op = kQuotaGet;
  uint8_t mask = 0;
  std::vector<uint64_t> limits;  // kQuotaSlots values for kQuotaSet
  bool set_grace = false;
  uint32_t grace = 0;
  ANTLER_FIELDS(req, cred, inode, op, mask, limits, set_grace, grace)
};

struct ClQuotaReply {
  static constexpr uint32_t kType = 177;
  uint32_t req = 0;
  St status = St::kOk;
  std::vector<uint64_t> limits;  // kQuotaSlots values, 0: no limit (all 0: no quota)
  uint32_t grace = 0;            // the quota's own grace period, 0: default
  uint32_t default_grace = 0;    // QUOTA_DEFAULT_GRACE_PERIOD
  int64_t exceeded_s = -1;       // seconds since a soft limit was first exceeded, -1: none is
  std::vector<uint64_t> usage;   // below the directory: inodes, length, size, realsize
  ANTLER_FIELDS(req, status, limits, grace, default_grace, exceeded_s, usage)
};

// ---- diagnostic and repair tools (190..199)

// What the master knows of one copy of a chunk.
enum CopyState : uint8_t {
  kCopyValid = 0,         // at the chunk's version, on a connected server
  kCopyWrongVersion = 1,  // another version (older, or left from a failed write)
};

struct CopyInfo {
  Location loc;
  uint32_t version = 0;
  uint8_t state = kCopyValid;  // CopyState
  ANTLER_FIELDS(loc, version, state)
};

struct ChunkInfo {
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  std::vector<CopyInfo> copies;  // connected servers only; valid ones first
  uint32_t index = 0;            // the 64 MiB slot
  ANTLER_FIELDS(chunk_id, version, copies, index)
};

// The chunks of a file in slot order, with the copies the master knows of
// (mfsfileinfo, mfscheckfile). Holes are not listed: every slot below
// `slots` that no entry names is one (reads as zeros). The reply's size
// follows the file's chunks, never its length.
struct ClFileInfo {
  static constexpr uint32_t kType = 190;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, cred, inode)
};

struct ClFileInfoReply {
  static constexpr uint32_t kType = 191;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t length = 0;
  std::vector<ChunkInfo> chunks;
  uint64_t slots = 0;  // the file's slots: its length's, or up to its last chunk's if that is further
  ANTLER_FIELDS(req, status, length, chunks, slots)
};

// Every path of an inode (one per name: hard links give several), relative
// to the session's root, each starting with '/'; a deleted file has one
// entry "./trash/PATH" (its former path) or "./sustained/INODE"
// (mfsfilepaths).
struct ClFilePaths {
  static constexpr uint32_t kType = 192;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, cred, inode)
};

struct ClFilePathsReply {
  static constexpr uint32_t kType = 193;
  uint32_t req = 0;
  St status = St::kOk;
  std::vector<std::string> paths;
  ANTLER_FIELDS(req, status, paths)
};

// Totals of the tree below inode (itself included) (mfsdirinfo). Plain:
// the directories' usage counters, where every name and every file slot
// counts and realsize is size times the file's goal. Precise: a walk of the
// namespace, each inode and chunk counted once, realsize is size times the
// chunk's valid copies. See docs/tools.md for size.
struct ClDirInfo {
  static constexpr uint32_t kType = 194;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  bool precise = false;
  ANTLER_FIELDS(req, cred, inode, precise)
};

struct ClDirInfoReply {
  static constexpr uint32_t kType = 195;
  uint32_t req = 0;
  St status = St::kOk;
  uint64_t inodes = 0;
  uint64_t dirs = 0;
  uint64_t files = 0;
  uint64_t chunks = 0;
  uint64_t length = 0;
  uint64_t size = 0;
  uint64_t realsize = 0;
  ANTLER_FIELDS(req, status, inodes, dirs, files, chunks, length, size, realsize)
};

// Makes a file readable again (mfsfilerepair, root only): each chunk with
// no valid copy takes the highest version a connected server still holds,
// or, with none, becomes a hole (zeros).
struct ClFileRepair {
  static constexpr uint32_t kType = 196;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, cred, inode)
};

struct ClFileRepairReply {
  static constexpr uint32_t kType = 197;
  uint32_t req = 0;
  St status = St::kOk;
  uint32_t not_changed = 0;
  uint32_t erased = 0;
  uint32_t repaired = 0;
  ANTLER_FIELDS(req, status, not_changed, erased, repaired)
};

// ---- meta mount (sessions registered with meta = true)

enum MetaList : uint8_t { kListTrash = 1, kListSustained = 2 };

struct TrashEntry {
  uint32_t inode = 0;
  std::string path;  // original path, relative to the file system root
  Attr attr;
  ANTLER_FIELDS(inode, path, attr)
};

// Lists deleted (trash) or sustained files, in inode order from `after`.
struct ClTrashList {
  static constexpr uint32_t kType = 180;
  uint32_t req = 0;
  Cred cred;
  uint8_t what = kListTrash;
  uint32_t after = 0;  // only inodes greater than this
  uint32_t max_entries = 0;
  ANTLER_FIELDS(req, cred, what, after, max_entries)
};

struct ClTrashListReply {
  static constexpr uint32_t kType = 181;
  uint32_t req = 0;
  St status = St::kOk;
  std::vector<TrashEntry> entries;
  bool eof = false;
  ANTLER_FIELDS(req, status, entries, eof)
};

// Restores a trash file to its original path (missing directories are
// created). Answered with ClStatusReply.
struct ClUndel {
  static constexpr uint32_t kType = 182;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, cred, inode)
};

// Removes a trash file for good. Answered with ClStatusReply.
struct ClTrashPurge {
  static constexpr uint32_t kType = 183;
  uint32_t req = 0;
  Cred cred;
  uint32_t inode = 0;
  ANTLER_FIELDS(req, cred, inode)
};

}  // namespace antler::msg

// Metadata operations: every change to the master's state is one of these.
//
// Each operation carries everything apply() needs (new inode and chunk ids,
// final modes), so applying it live, replaying it from a changelog and
// applying it in a test give the same state. The time of an operation is
// the timestamp of its changelog line, passed to apply() beside it.
//
// Text form (one changelog line, see docs/formats.md):
//   VERSION: SECONDS.NANOS|NAME(field,field,...)
// Strings are escaped with %XX for bytes outside 0x21..0x7e and for , ( ) %.
// An operation may declare kRequired (< its field count): the fields after
// the first kRequired are optional, and trailing ones still at their
// defaults are left out of the line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/serde.h"
#include "common/status.h"

namespace antler::master {

// Under a directory with a default ACL the new inode (not a symlink) gets
// that ACL as its access ACL (directories: also as their default ACL); mode
// is then already cut by it (acl_create_mode()).
struct OpCreate {
  static constexpr const char* kName = "CREATE";
  uint32_t parent = 0;
  std::string name;
  uint8_t type = 0;
  uint16_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t rdev = 0;
  uint32_t inode = 0;  // the new inode's number
  // Optional trailing fields (an export's mingoal/maxgoal, min/maxtrashtime
  // clamp what the parent passes on): written only when not the defaults,
  // so lines of older versions parse unchanged.
  uint8_t goal = 0;        // 0: the parent's goal
  int64_t trashtime = -1;  // -1: the parent's trash time
  static constexpr size_t kRequired = 8;
  ANTLER_FIELDS(parent, name, type, mode, uid, gid, rdev, inode, goal, trashtime)
};

struct OpSymlink {
  static constexpr const char* kName = "SYMLINK";
  uint32_t parent = 0;
  std::string name;
  std::string target;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t inode = 0;
  uint8_t goal = 0;        // as OpCreate
  int64_t trashtime = -1;  // as OpCreate
  static constexpr size_t kRequired = 6;
  ANTLER_FIELDS(parent, name, target, uid, gid, inode, goal, trashtime)
};

// sustain: the file is open somewhere; when its last name goes it stays
// (nlink 0) until OpPurge instead of being freed.
struct OpUnlink {
  static constexpr const char* kName = "UNLINK";
  uint32_t parent = 0;
  std::string name;
  uint8_t sustain = 0;
  ANTLER_FIELDS(parent, name, sustain)
};

struct OpRename {
  static constexpr const char* kName = "RENAME";
  uint32_t parent = 0;
  std::string name;
  uint32_t new_parent = 0;
  std::string new_name;
  uint32_t flags = 0;   // msg::RenameFlags
  uint8_t sustain = 0;  // as OpUnlink, for a replaced target
  ANTLER_FIELDS(parent, name, new_parent, new_name, flags, sustain)
};

// Frees a file with no names left: a sustained file after its last close,
// or a trash file whose time is up or that was deleted from the meta mount.
// sustain: a trash file that is still open leaves the trash but stays
// (sustained) until its last close.
struct OpPurge {
  static constexpr const char* kName = "PURGE";
  uint32_t inode = 0;
  uint8_t sustain = 0;
  ANTLER_FIELDS(inode, sustain)
};

// Sets goal, trash time or eattr (msg::ToolAttr) of an inode and, if
// recursive, of the tree below it: mode is msg::ToolSetMode. Only inodes
// that uid owns (uid 0 owns all; eattr noowner makes everyone an owner)
// change; Fs::last_set() counts changed / unchanged / refused inodes.
struct OpSetAttrib {
  static constexpr const char* kName = "SETATTRIB";
  uint32_t inode = 0;
  uint32_t uid = 0;
  uint8_t what = 0;
  uint32_t value = 0;
  uint8_t mode = 0;
  uint8_t recursive = 0;
  ANTLER_FIELDS(inode, uid, what, value, mode, recursive)
};

// Restores a trash file to its original path; missing directories on the
// way are created as inodes first_inode, first_inode + 1, ...
struct OpUndel {
  static constexpr const char* kName = "UNDEL";
  uint32_t inode = 0;
  uint32_t first_inode = 0;
  ANTLER_FIELDS(inode, first_inode)
};

// A lazy copy of inode src (a file or a whole tree) as dst_parent/name; new
// inodes are numbered from first_inode in depth-first, name order. flags:
// msg::SnapshotFlags; with kSnapCpAttrs the copies belong to uid:gid and
// their modes lose the umask bits.
struct OpSnapshot {
  static constexpr const char* kName = "SNAPSHOT";
  uint32_t src = 0;
  uint32_t dst_parent = 0;
  std::string name;
  uint32_t first_inode = 0;
  uint8_t flags = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint16_t umask = 0;
  ANTLER_FIELDS(src, dst_parent, name, first_inode, flags, uid, gid, umask)
};

// Appends src's chunks (shared) to dst from dst's next chunk boundary.
struct OpAppendChunks {
  static constexpr const char* kName = "APPENDCHUNKS";
  uint32_t dst = 0;
  uint32_t src = 0;
  ANTLER_FIELDS(dst, src)
};

struct OpLink {
  static constexpr const char* kName = "LINK";
  uint32_t inode = 0;
  uint32_t new_parent = 0;
  std::string new_name;
  ANTLER_FIELDS(inode, new_parent, new_name)
};

// mode/uid/gid/times by msg::SetMask bits (size is OpTruncate's).
struct OpSetattr {
  static constexpr const char* kName = "SETATTR";
  uint32_t inode = 0;
  uint32_t mask = 0;
  uint16_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t atime_ns = 0;
  int64_t mtime_ns = 0;
  ANTLER_FIELDS(inode, mask, mode, uid, gid, atime_ns, mtime_ns)
};

// Sets a file's length; chunks wholly past it are released.
struct OpTruncate {
  static constexpr const char* kName = "TRUNC";
  uint32_t inode = 0;
  uint64_t length = 0;
  ANTLER_FIELDS(inode, length)
};

// A write ended: length grows to at least `length`; mtime and ctime = now.
struct OpWrite {
  static constexpr const char* kName = "WRITE";
  uint32_t inode = 0;
  uint64_t length = 0;
  ANTLER_FIELDS(inode, length)
};

// A new chunk at slot `index` of a file.
struct OpSetChunk {
  static constexpr const char* kName = "SETCHUNK";
  uint32_t inode = 0;
  uint32_t index = 0;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(inode, index, chunk_id, version)
};

// Chunk id `chunk_id` is taken (logged before any chunkserver is asked to
// create it, so that a recovered master never hands it out again, whatever
// became of the creation).
struct OpChunkId {
  static constexpr const char* kName = "CHUNKID";
  uint64_t chunk_id = 0;
  ANTLER_FIELDS(chunk_id)
};

// The cluster epoch becomes `epoch` (greater than it was), with `id` a
// random number naming this promotion: logged when a master recovers from a
// metalogger's files (it was promoted), so that chunkservers, metaloggers
// and mounts that have seen it refuse a master that has not (fencing).
struct OpEpoch {
  static constexpr const char* kName = "EPOCH";
  uint64_t epoch = 0;
  uint64_t id = 0;
  ANTLER_FIELDS(epoch, id)
};

struct OpSetVersion {
  static constexpr const char* kName = "SETVERSION";
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(chunk_id, version)
};

// Sets extended attribute `name` (user.*, trusted.* or security.*; ACLs are
// OpSetAcl's) to value. flags: msg::XattrFlags (create: kExist if present,
// replace: kNoData if absent).
struct OpSetXattr {
  static constexpr const char* kName = "SETXATTR";
  uint32_t inode = 0;
  std::string name;
  std::string value;
  uint32_t flags = 0;
  ANTLER_FIELDS(inode, name, value, flags)
};

// Removes extended attribute `name`; kNoData if absent.
struct OpRmXattr {
  static constexpr const char* kName = "RMXATTR";
  uint32_t inode = 0;
  std::string name;
  ANTLER_FIELDS(inode, name)
};

// Sets (acl in acl_to_text() form) or removes (acl empty) the access
// (kind 0) or default (kind 1, directories) ACL of an inode. Setting an
// access ACL sets the mode's permission bits from it (owner, mask or group,
// other); clear_sgid also clears the setgid bit (the setter is not in the
// file's group). An access ACL that says no more than the mode is not kept.
struct OpSetAcl {
  static constexpr const char* kName = "SETACL";
  uint32_t inode = 0;
  uint8_t kind = 0;
  std::string acl;
  uint8_t clear_sgid = 0;
  ANTLER_FIELDS(inode, kind, acl, clear_sgid)
};

// An access (read, readdir, readlink) moved atime to the operation's time,
// as ATIME_MODE decided.
struct OpAccess {
  static constexpr const char* kName = "ACCESS";
  uint32_t inode = 0;
  ANTLER_FIELDS(inode)
};

// Sets the quota of directory `inode` to these limits (0: none) and grace
// period (seconds; 0: the master's default). All limits 0 removes it.
struct OpSetQuota {
  static constexpr const char* kName = "SETQUOTA";
  uint32_t inode = 0;
  uint64_t soft_inodes = 0, soft_length = 0, soft_size = 0, soft_realsize = 0;
  uint64_t hard_inodes = 0, hard_length = 0, hard_size = 0, hard_realsize = 0;
  uint32_t grace = 0;
  ANTLER_FIELDS(inode, soft_inodes, soft_length, soft_size, soft_realsize, hard_inodes, hard_length, hard_size,
                hard_realsize, grace)
};

// mfsfilerepair on slot `index` of file `inode`, whose chunk has no valid
// copy: version > 0 makes that the chunk's version (the highest a server
// still holds); version 0 drops the chunk from the slot, which becomes a
// hole (zeros). Either way the file's mtime and ctime become the
// operation's time.
struct OpRepair {
  static constexpr const char* kName = "REPAIR";
  uint32_t inode = 0;
  uint32_t index = 0;
  uint32_t version = 0;
  ANTLER_FIELDS(inode, index, version)
};

using Op = std::variant<OpCreate, OpSymlink, OpUnlink, OpRename, OpLink, OpSetattr, OpTruncate, OpWrite, OpSetChunk,
                        OpSetVersion, OpPurge, OpSetAttrib, OpUndel, OpSnapshot, OpAppendChunks, OpSetXattr, OpRmXattr,
                        OpSetAcl, OpAccess, OpSetQuota, OpRepair, OpChunkId, OpEpoch>;

// One changelog line without the trailing newline.
std::string format_line(uint64_t version, int64_t time_ns, const Op& op);
// Parses a line written by format_line; an error ("bad timestamp") if malformed.
struct Line {
  uint64_t version = 0;
  int64_t time_ns = 0;
  Op op;
};
Result<Line> parse_line(std::string_view line);

// The changelog files PREFIX.N.mfs of dir ("changelog" for the master's,
// "changelog_ml" for a metalogger's), by N.
std::map<long, std::string> changelog_files(const std::string& dir, const std::string& prefix);

std::string escape(std::string_view s);
std::optional<std::string> unescape(std::string_view s);

}  // namespace antler::master

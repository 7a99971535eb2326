// The base of the Antler wire protocol: framing constants, the parts that
// messages share, and the handshake. Each port's messages have a header of
// their own in common/msg/; common/messages.h includes them all.
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
#include "common/status.h"

namespace antler::msg {

constexpr uint32_t kProtocolVersion = 1;
constexpr uint32_t kMaxFrame = 80u << 20;  // 64 MiB chunk + slack
constexpr uint32_t kChunkSize = 64u << 20;
constexpr uint32_t kBlockSize = 64u << 10;
constexpr uint32_t kBlocksPerChunk = kChunkSize / kBlockSize;
// A file holds at most 2^26 chunks: its length is at most 2^52 bytes (4 PiB).
constexpr uint32_t kMaxChunksPerFile = 1u << 26;
constexpr uint64_t kMaxFileLength = uint64_t(kChunkSize) * kMaxChunksPerFile;
constexpr uint8_t kMaxGoal = 9;                // copies of a chunk, at most (goal 1..9)
constexpr uint32_t kMaxSymlinkLen = 4096;      // bytes of a symlink's target (PATH_MAX)
constexpr uint32_t kMaxReaddirEntries = 4096;  // entries in one ClReaddirReply, at most

enum Role : uint8_t { kRoleClient = 1, kRoleChunkserver = 2, kRoleMetalogger = 3, kRoleTool = 4 };

// File types, as MooseFS letters.
enum NodeType : uint8_t {
  kFile = 'f',
  kDir = 'd',
  kSymlink = 'l',
  kFifo = 'q',
  kSocket = 's',
  kBlockDev = 'b',
  kCharDev = 'c',
};

// ---------------------------------------------------------------- shared parts

struct Location {
  uint32_t ip = 0;  // IPv4, host byte order
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
  ANTLER_FIELDS(inode, type, mode, uid, gid, atime_ns, mtime_ns, ctime_ns, nlink, size, rdev, goal, trashtime, eattr,
                flags)
};

enum AttrFlags : uint8_t {
  kFlagXattr = 1,  // the inode has extended attributes or an ACL
};

// Extra attributes (MooseFS "eattr"), per inode.
enum EattrBits : uint8_t {
  kEattrNoOwner = 1,       // every user counts as the owner
  kEattrNoAttrCache = 2,   // clients do not cache attributes
  kEattrNoEntryCache = 4,  // clients do not cache lookups in this directory
  kEattrNoDataCache = 8,   // clients do not cache file data
  kEattrSnapshot = 16,     // may only be the target/source of snapshots, see docs/tools.md
  kEattrUndeletable = 32,  // cannot be unlinked, renamed away or removed
  kEattrAppendOnly = 64,   // data may only be appended
  kEattrImmutable = 128,   // nothing about it may change
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
  std::string name;  // host name / description, for logs
  // The newest cluster epoch the peer has seen (0: none), and its id: a
  // master of an older epoch steps down when it hears of a newer one.
  uint64_t epoch = 0;
  uint64_t epoch_id = 0;
  ANTLER_FIELDS(protocol, features, cluster_id, meta_version, role, name, epoch, epoch_id)
};

struct HelloReply {
  static constexpr uint32_t kType = 2;
  St status = St::kOk;  // St
  uint32_t protocol = kProtocolVersion;
  uint64_t features = 0;
  uint64_t cluster_id = 0;
  uint64_t meta_version = 0;
  std::string message;    // reason, when status != ok
  uint64_t epoch = 0;     // the master's cluster epoch (a peer that has seen
  uint64_t epoch_id = 0;  // a newer one refuses this master)
  ANTLER_FIELDS(status, protocol, features, cluster_id, meta_version, message, epoch, epoch_id)
};

}  // namespace antler::msg

// Messages between chunkservers and the master on port 9420 (200..299).
// See common/msg/base.h for the framing and numbering rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"

namespace antler::msg {

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

// A key of the chunk access tokens (common/chunk_token.h).
struct TokenKey {
  uint32_t id = 0;
  std::string secret;
  ANTLER_FIELDS(id, secret)
};

struct CsRegisterReply {
  static constexpr uint32_t kType = 201;
  St status = St::kOk;
  uint32_t cs_id = 0;
  std::string message;
  // Whether the data port must refuse requests without a valid chunk access
  // token (the master's CHUNK_TOKENS), and the keys that sign them.
  bool tokens = true;
  std::vector<TokenKey> keys;
  ANTLER_FIELDS(status, cs_id, message, tokens, keys)
};

// Master -> chunkserver: a new token key (the master rotates them); the
// server keeps it and the newest older one.
struct CsTokenKey {
  static constexpr uint32_t kType = 204;
  TokenKey key;
  ANTLER_FIELDS(key)
};

// One disk of a chunkserver, as its heartbeat (CsSpace) reports it.
enum CsDiskFlags : uint8_t {
  kDiskRemoval = 1,  // '*' in mfshdd.cfg: marked for removal
  kDiskFailed = 2,   // taken out of service after too many I/O errors
  kDiskMoveOut = 4,  // '<': its chunks move to the server's other disks
  kDiskMoveIn = 8,   // '>': chunks of '<' disks move here
  kDiskFull = 16,    // a write found it full (ENOSPC): no new chunks or blocks until it has room
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
  uint32_t load = 0;          // operations in progress
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
  uint32_t version = 0;  // expected current version
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
  std::string token;  // read token for the source's data port
  ANTLER_FIELDS(op_id, chunk_id, version, source, token)
};

struct CsOpStatus {
  static constexpr uint32_t kType = 220;
  uint32_t op_id = 0;
  uint64_t chunk_id = 0;
  St status = St::kOk;
  uint32_t version = 0;  // version the chunk has now on that server
  ANTLER_FIELDS(op_id, chunk_id, status, version)
};

// Unsolicited: a copy failed its CRC check or vanished.
struct CsChunkDamaged {
  static constexpr uint32_t kType = 221;
  uint64_t chunk_id = 0;
  ANTLER_FIELDS(chunk_id)
};

// Chunkserver -> master on a clean stop (SIGTERM): the server is going down
// on purpose, and the master switches it to temporary maintenance (its
// copies are not replaced while it is away, for up to
// CS_TEMP_MAINTENANCE_MODE_TIMEOUT seconds).
struct CsStopping {
  static constexpr uint32_t kType = 203;
  uint8_t reason = 0;  // reserved
  ANTLER_FIELDS(reason)
};

}  // namespace antler::msg

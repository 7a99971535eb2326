// Messages of the chunkservers' data port 9422, from clients and other
// chunkservers (300..399).
// See common/msg/base.h for the framing and numbering rules.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"

namespace antler::msg {

// ------------------------------------------- anyone <-> chunkserver (9422)

struct CsRead {
  static constexpr uint32_t kType = 300;
  uint64_t chunk_id = 0;
  uint32_t version = 0;
  uint32_t offset = 0;  // within the chunk
  uint32_t size = 0;
  std::string token;  // the master's read token for (chunk_id, version)
  ANTLER_FIELDS(chunk_id, version, offset, size, token)
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
  St status = St::kOk;
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
  std::string token;            // the master's write token for (chunk_id, version), passed down the chain
  ANTLER_FIELDS(chunk_id, version, chain, token)
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
  St status = St::kOk;
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
  St status = St::kOk;
  uint32_t blocks = 0;      // 64 KiB blocks holding data: ceil(data length / 64 KiB)
  std::string digest;       // 16 bytes when status is ok
  uint32_t bad_blocks = 0;  // blocks whose data does not match their stored CRC
  ANTLER_FIELDS(chunk_id, version, status, blocks, digest, bad_blocks)
};

}  // namespace antler::msg

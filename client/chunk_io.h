// Data transfers between the client and chunkservers: pooled connections,
// reading a range of one chunk from one copy, writing pieces of one chunk
// through a chain of copies.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/net.h"
#include "common/status.h"

namespace antler::client {

// Appends the frame of CsWriteData{chunk_id, write_id, offset, crc32c(data), data}.
void append_write_data_frame(uint64_t chunk_id, uint32_t write_id, uint32_t offset, const char* data, uint32_t size,
                             std::string& out);

class ChunkIO {
 public:
  explicit ChunkIO(int timeout_ms) : timeout_ms_(timeout_ms) {}

  // Reads [offset, offset+size) of a chunk from loc into out (resized to
  // size; bytes past the chunk's data read as zeros). token: the master's
  // read token (kBadToken when the server refuses it).
  St read(const msg::Location& loc, uint64_t chunk_id, uint32_t version, const std::string& token, uint32_t offset,
          uint32_t size, char* out);

  struct Piece {
    uint32_t offset;  // within the chunk
    const char* data;
    uint32_t size;
  };
  // Writes pieces (any size; split at block boundaries here) through the
  // chain; returns ok only when every copy acknowledged every byte.
  St write(const std::vector<msg::Location>& chain, uint64_t chunk_id, uint32_t version, const std::string& token,
           const std::vector<Piece>& pieces, bool fsync);

 private:
  // A connection to loc: an idle one from the pool, else a new one.
  bool get(const msg::Location& loc, net::Conn* out) EXCLUDES(mu_);
  // Returns a connection in a known state (no reply pending) to the pool.
  void put(const msg::Location& loc, net::Conn conn) EXCLUDES(mu_);

  const int timeout_ms_;
  Mutex mu_;  // a leaf
  std::map<std::pair<uint32_t, uint16_t>, std::vector<net::Conn>> idle_ GUARDED_BY(mu_);
};

}  // namespace antler::client

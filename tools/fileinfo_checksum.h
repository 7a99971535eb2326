// Copy checksums for mfsfileinfo -c and -s: the tool asks the chunkservers
// holding the copies directly (CsChecksum on their data port), and builds a
// file's signature from its chunks' digests. docs/tools.md describes both.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/msg/base.h"
#include "common/msg/data.h"
#include "common/net.h"
#include "common/status.h"

namespace antler::tools {

class ChecksumClient {
 public:
  static constexpr int kConnectMs = 5000;  // connecting and the handshake
  static constexpr int kAnswerMs = 30000;  // a checksum: the server reads the whole copy

  struct Checksum {
    uint32_t blocks = 0;
    std::string digest;  // 16 bytes
    uint32_t bad_blocks = 0;
  };

  // The checksum of chunk id at version on the server at loc. Fails with a
  // one-line reason in MooseFS's words ("can't connect to chunkserver
  // IP:PORT: ...", "IP:PORT cs query: receive error (...)", "IP:PORT cs
  // query error: no such chunk"). A server that could not be reached or did
  // not answer is not asked again: later queries to it fail at once with the
  // same Status. Connections are kept for later queries.
  Result<Checksum> query(const msg::Location& loc, uint64_t id, uint32_t version);

 private:
  struct Server {
    net::Conn conn;
    Status dead;  // why it is not asked again (OK while it may be asked)
  };
  // Connects s.conn and says hello; on failure the connection is closed.
  static Status open(net::Conn& conn, const msg::Location& loc, const std::string& where);
  std::map<uint64_t, Server> servers_;  // by ip << 16 | port
};

// 32 uppercase hexadecimal digits of a 16-byte digest.
std::string digest_hex(const std::string& digest);

// A file signature: MD5 over the digests of the file's chunks, in order
// (16 bytes each). With no chunk added: MD5 of nothing.
class Signature {
 public:
  void add(const std::string& chunk_digest) { digests_ += chunk_digest; }
  std::string hex() const;

 private:
  std::string digests_;
};

}  // namespace antler::tools

// A client session: what a mount registered as (its export rule and root),
// the files it holds open, and its connections. Sessions live in the master's
// memory only; they outlive a connection (the client resumes them) but not a
// master restart.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "daemons/master/fs/fs.h"
#include "daemons/master/sessions/exports.h"

namespace antler::master {

// A file a session holds open: its handles (ClOpen and ClMknod with open;
// one ClRelease each) and the modes (kR, kW of perm.h) any of them was
// opened for since the first. Chunk reads need kR, chunk writes kW: what
// the open checked is what the data path relies on.
struct OpenFile {
  uint32_t handles = 0;
  uint8_t modes = 0;
};

struct Session {
  uint64_t id = 0;
  uint32_t root = kRootInode;
  ExportRule rule;  // the export rule it registered under (kept over reloads)
  std::string info;
  std::string peer;
  uint32_t peer_ip = 0;  // where it registered from (dynamicip allows others)
  bool meta = false;     // meta mount (rule with directory "."): trash and sustained files, no namespace
  std::unordered_map<uint32_t, OpenFile> open;  // by inode
  uint32_t links = 0;                           // client connections registered with this session
  int64_t gone_ms = 0;                          // when the last one closed (0: connected)
  bool locks_released = false;  // gone past SESSION_LOCK_TIMEOUT (the session ends after SESSION_SUSTAIN_TIME)
  // Proof that resumes the session: random bytes the master gave it at
  // registration (ClRegisterReply.secret), never shown anywhere.
  std::string secret;
};

}  // namespace antler::master

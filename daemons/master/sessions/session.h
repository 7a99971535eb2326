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

struct Session {
  uint64_t id = 0;
  uint32_t root = kRootInode;
  ExportRule rule;  // the export rule it registered under (kept over reloads)
  std::string info;
  std::string peer;
  uint32_t peer_ip = 0;  // where it registered from (dynamicip allows others)
  bool meta = false;     // meta mount (rule with directory "."): trash and sustained files, no namespace
  std::unordered_map<uint32_t, uint32_t> open;  // inode -> opens by this session
  uint32_t links = 0;                           // client connections registered with this session
  int64_t gone_ms = 0;                          // when the last one closed (0: connected, or locks already released)
};

}  // namespace antler::master

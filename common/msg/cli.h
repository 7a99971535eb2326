// Messages of mfscli (monitoring and chunkserver commands), 162..169, and
// the chunkserver reports they show. See common/msg/base.h for the
// framing and numbering rules.
//
// mfscli connects to the master's client port (9421) itself, says Hello
// with role kRoleTool and sends these requests without registering a
// session. Monitoring is open to anyone who reaches the port, as in
// MooseFS; CliCommand needs an exports rule with `admin` (and no password)
// that admits the caller's address.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"
#include "common/msg/master_cs.h"

namespace antler::msg {

// ---- mfscli <-> master

struct ChunkMatrixCell {
  uint8_t goal = 0;
  uint32_t copies = 0;  // valid copies on connected servers
  uint64_t chunks = 0;
  ANTLER_FIELDS(goal, copies, chunks)
};

// Master state (mfscli -SIG, -SIC, -SIN).
struct CliInfo {
  static constexpr uint32_t kType = 162;
  uint32_t req = 0;
  ANTLER_FIELDS(req)
};

struct CliInfoReply {
  static constexpr uint32_t kType = 163;
  uint32_t req = 0;
  std::string version;
  uint64_t ram_bytes = 0;                    // resident memory of the master
  uint64_t cpu_user_us = 0, cpu_sys_us = 0;  // CPU time since the start
  uint64_t uptime_ms = 0;
  uint64_t total_space = 0, avail_space = 0;  // connected chunkservers
  uint64_t trash_space = 0, trash_files = 0;
  uint64_t sustained_space = 0, sustained_files = 0;
  uint64_t fs_objects = 0, directories = 0, files = 0;
  uint64_t chunks = 0;
  uint64_t all_copies = 0;      // valid copies on connected servers
  uint64_t regular_copies = 0;  // ... not on disks marked for removal
  int64_t last_save_s = 0;      // wall-clock time of the last image save (0: none)
  uint32_t last_save_ms = 0;    // how long it took
  St last_save_status = St::kOk;
  uint64_t meta_version = 0;
  std::vector<ChunkMatrixCell> all;      // chunks by goal and valid copies
  std::vector<ChunkMatrixCell> regular;  // ... copies on removal disks not counted
  uint64_t to_be_removed = 0;            // chunks with a copy on a disk marked for removal
  // Why the metadata store failed (the changelog could not be written; the
  // master refuses every change until restarted with -a); empty: healthy.
  std::string meta_store_error;
  ANTLER_FIELDS(req, version, ram_bytes, cpu_user_us, cpu_sys_us, uptime_ms, total_space, avail_space, trash_space,
                trash_files, sustained_space, sustained_files, fs_objects, directories, files, chunks, all_copies,
                regular_copies, last_save_s, last_save_ms, last_save_status, meta_version, all, regular, to_be_removed,
                meta_store_error)
};

enum Maintenance : uint8_t { kMaintenanceOff = 0, kMaintenanceOn = 1, kMaintenanceTemp = 2 };
// Disks marked for removal on a server: none; copies still lack their goal
// elsewhere; every chunk there has its goal elsewhere; not known yet (before
// the first chunk loop pass).
enum RemovalStatus : uint8_t { kRemovalNone = 0, kRemovalNotReady = 1, kRemovalReady = 2, kRemovalPending = 3 };

struct CliServer {
  uint32_t id = 0;
  Location loc;
  bool connected = false;
  std::string label;
  std::string version;
  uint8_t maintenance = 0;          // Maintenance
  int64_t maintenance_left_s = -1;  // until the maintenance times out (-1: no limit)
  uint32_t load = 0;
  uint32_t chunks = 0;  // on regular disks
  uint64_t used = 0, total = 0;
  uint32_t removal_chunks = 0;  // on disks marked for removal
  uint64_t removal_used = 0, removal_total = 0;
  uint8_t removal_status = 0;  // RemovalStatus
  int64_t disconnected_s = 0;  // seconds since it disconnected (when not connected)
  std::vector<CsDisk> disks;
  ANTLER_FIELDS(id, loc, connected, label, version, maintenance, maintenance_left_s, load, chunks, used, total,
                removal_chunks, removal_used, removal_total, removal_status, disconnected_s, disks)
};

// Chunkservers, connected and disconnected (mfscli -SCS, -SHD).
struct CliServers {
  static constexpr uint32_t kType = 164;
  uint32_t req = 0;
  ANTLER_FIELDS(req)
};

struct CliServersReply {
  static constexpr uint32_t kType = 165;
  uint32_t req = 0;
  std::vector<CliServer> servers;
  ANTLER_FIELDS(req, servers)
};

// mfscli -C: what to do with the chunkserver at loc.
enum CliCommandKind : uint8_t {
  kCliRemoveServer = 0,    // forget a disconnected server (its copies no longer count)
  kCliMaintenanceOn = 2,   // maintenance mode on
  kCliMaintenanceOff = 3,  // back to standard mode
};

struct CliCommand {
  static constexpr uint32_t kType = 166;
  uint32_t req = 0;
  uint8_t command = 0;  // CliCommandKind
  Location loc;
  ANTLER_FIELDS(req, command, loc)
};

struct CliCommandReply {
  static constexpr uint32_t kType = 167;
  uint32_t req = 0;
  St status = St::kOk;  // St: kNoEnt no such server, kPerm not an admin address, kAgain
                        // still connected (remove)
  std::string message;  // one line, for the operator
  ANTLER_FIELDS(req, status, message)
};

// Chunks with no valid copy on a connected server, and the files using them
// (mfscli -SMF), counted when asked.
enum MissingKind : uint8_t { kMissingNoCopy = 0, kMissingWrongVersions = 2 };

struct MissingChunk {
  uint64_t chunk_id = 0;
  uint32_t inode = 0;
  uint32_t index = 0;              // the 64 MiB slot of the file
  uint8_t kind = 0;                // MissingKind: no copy at all, or only copies of other versions
  std::vector<std::string> paths;  // from the root ("/a/b"), "./trash/PATH", "./sustained/INODE"
  ANTLER_FIELDS(chunk_id, inode, index, kind, paths)
};

struct CliMissing {
  static constexpr uint32_t kType = 168;
  uint32_t req = 0;
  ANTLER_FIELDS(req)
};

struct CliMissingReply {
  static constexpr uint32_t kType = 169;
  uint32_t req = 0;
  std::vector<MissingChunk> missing;  // by path, then slot
  ANTLER_FIELDS(req, missing)
};

}  // namespace antler::msg

// Metaloggers <-> master (9419), types 230..239.
//
// After the handshake (Hello: role kRoleMetalogger, the cluster id it
// follows, 0 if none yet, and the last metadata version it holds) the
// metalogger sends MlRegister. The master answers MlRegisterReply and then
// either the changelog lines after the metalogger's version (kMlFollow) or
// an image in pieces followed by the lines after the image's version
// (kMlImage); from then on every line is pushed as the master logs it.
// The metalogger acknowledges with MlAck what it has on disk (fsync'd).
// docs/protocol.md, "Metaloggers".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/msg/base.h"
#include "common/serde.h"

namespace antler::msg {

enum MlStart : uint8_t {
  kMlFollow = 0,  // lines from the metalogger's version + 1 follow
  kMlImage = 1,   // an image follows (MlImage pieces), then the lines after its version
};

struct MlRegister {
  static constexpr uint32_t kType = 230;
  uint64_t version = 0;      // the last version whose line (or image) it holds; 0: nothing, send an image
  std::string version_text;  // ANTLER_VERSION, for mfscli -SMB
  ANTLER_FIELDS(version, version_text)
};

struct MlRegisterReply {
  static constexpr uint32_t kType = 231;
  St status = St::kOk;
  std::string message;  // why, when status != ok
  uint64_t cluster_id = 0;
  uint64_t master_version = 0;  // the master's metadata version now
  uint8_t start = kMlFollow;    // MlStart
  ANTLER_FIELDS(status, message, cluster_id, master_version, start)
};

// One piece of an image (the master's newest saved metadata.mfs), in order;
// the last piece has offset + data.size() == size.
struct MlImage {
  static constexpr uint32_t kType = 232;
  uint64_t version = 0;  // the image's metadata version
  uint64_t size = 0;     // the whole image's bytes
  uint64_t offset = 0;
  std::string data;  // at most 1 MiB
  ANTLER_FIELDS(version, size, offset, data)
};

// Complete changelog lines, each "VERSION: TIME|OP\n" (docs/formats.md),
// versions first, first + 1, … with no gap.
struct MlLines {
  static constexpr uint32_t kType = 233;
  uint64_t first = 0;
  std::string text;
  // The master waits for acknowledgements (SYNC_METALOGGERS): fsync what
  // has arrived at once rather than gathering a bigger batch.
  bool sync = false;
  ANTLER_FIELDS(first, text, sync)
};

// Metalogger -> master: every line up to version is on its disk.
struct MlAck {
  static constexpr uint32_t kType = 234;
  uint64_t version = 0;
  uint64_t image_version = 0;  // its newest metadata_ml.mfs.back
  int64_t image_time_s = 0;    // when that was written (wall clock, s)
  ANTLER_FIELDS(version, image_version, image_time_s)
};

// mfscli -SMB (on the client port 9421, like the other mfscli requests).
struct CliMetaloggers {
  static constexpr uint32_t kType = 238;
  uint32_t req = 0;
  ANTLER_FIELDS(req)
};

struct CliMetalogger {
  Location loc;
  std::string version;         // its software version
  uint64_t acked = 0;          // the last metadata version it has on disk
  uint64_t image_version = 0;  // its newest image's
  int64_t image_age_s = -1;    // -1: not known yet
  uint64_t connected_s = 0;
  bool following = false;  // caught up (else still catching up)
  bool sync = false;       // counted by SYNC_METALOGGERS
  ANTLER_FIELDS(loc, version, acked, image_version, image_age_s, connected_s, following, sync)
};

// The master's SYNC_METALOGGERS state (SyncGate::Stats).
struct CliSync {
  uint8_t mode = 0;            // 0 off, 1 sync, 2 serving unsynced, 3 refusing changes
  uint32_t n = 0;              // SYNC_METALOGGERS
  uint64_t synced = 0;         // every version up to this is on n metaloggers
  uint64_t held = 0;           // answers waiting for them now
  int64_t oldest_wait_ms = 0;  // the oldest one's wait
  uint64_t released = 0;       // answers that waited, so far
  int64_t wait_us_total = 0;   // their waits, summed, in microseconds
  uint64_t refused = 0;        // changes refused while refusing
  uint64_t fallbacks = 0;      // times SYNC_METALOGGERS_TIMEOUT passed
  ANTLER_FIELDS(mode, n, synced, held, oldest_wait_ms, released, wait_us_total, refused, fallbacks)
};

struct CliMetaloggersReply {
  static constexpr uint32_t kType = 239;
  uint32_t req = 0;
  uint64_t master_version = 0;  // the lag of each is this less its acked
  std::vector<CliMetalogger> metaloggers;
  CliSync sync;
  ANTLER_FIELDS(req, master_version, metaloggers, sync)
};

}  // namespace antler::msg

// The keys of mfsmaster.cfg: the table (master_keys) and the typed struct the
// master reads them into at start and at each reload (SIGHUP). The loaders
// here and in chunks/ are the only code that names keys as strings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"
#include "daemons/master/chunks/chunk_loop.h"
#include "daemons/master/chunks/registry.h"

namespace antler::master {

// mfsmaster's own keys; common/daemon adds DATA_PATH, WORKING_USER, … .
std::vector<KeyDef> master_keys();

struct MasterSettings {
  // Used at start only; a change needs a restart.
  std::string data_path;               // DATA_PATH
  int back_logs = 50;                  // BACK_LOGS
  std::string matoml_host = "*";       // MATOML_LISTEN_HOST
  uint16_t matoml_port = 9419;         // MATOML_LISTEN_PORT
  std::string matocs_host = "*";       // MATOCS_LISTEN_HOST
  uint16_t matocs_port = 9420;         // MATOCS_LISTEN_PORT
  std::string matocl_host = "*";       // MATOCL_LISTEN_HOST
  uint16_t matocl_port = 9421;         // MATOCL_LISTEN_PORT
  std::string metrics_host = "*";      // METRICS_LISTEN_HOST
  uint16_t metrics_port = 9430;        // METRICS_LISTEN_PORT (0: no /metrics, /health)
  uint8_t default_goal = 2;            // DEFAULT_GOAL (of a new file system)
  uint32_t default_trashtime = 86400;  // DEFAULT_TRASHTIME (of a new file system)

  // Applied at reload.
  std::string exports_filename;                       // EXPORTS_FILENAME (re-read at reload)
  std::string topology_filename;                      // TOPOLOGY_FILENAME (re-read at reload)
  int64_t metadata_save_freq_h = 1;                   // METADATA_SAVE_FREQ, hours
  int64_t atime_mode = 2;                             // ATIME_MODE, 0 to 4
  int64_t session_lock_timeout_s = 5;                 // SESSION_LOCK_TIMEOUT
  int64_t session_sustain_time_s = 86400;             // SESSION_SUSTAIN_TIME
  bool chunk_tokens = true;                           // CHUNK_TOKENS
  int64_t chunk_token_rotation_s = 600;               // CHUNK_TOKEN_ROTATION
  uint32_t max_connections = 10000;                   // MAX_CONNECTIONS (all ports)
  uint32_t max_connections_per_ip = 1000;             // MAX_CONNECTIONS_PER_IP
  uint32_t quota_default_grace_period_s = 604800;     // QUOTA_DEFAULT_GRACE_PERIOD
  int64_t cs_maintenance_mode_timeout_s = 0;          // CS_MAINTENANCE_MODE_TIMEOUT; 0: none
  int64_t cs_temp_maintenance_mode_timeout_s = 1800;  // CS_TEMP_MAINTENANCE_MODE_TIMEOUT; 0: none
  uint32_t sync_metaloggers = 0;                      // SYNC_METALOGGERS
  int64_t sync_metaloggers_timeout_s = 10;            // SYNC_METALOGGERS_TIMEOUT
  bool sync_metaloggers_serve = false;                // SYNC_METALOGGERS_FALLBACK: serve (else refuse)
  LoopSettings loop;                                  // the chunk loop's keys (load_loop_settings)
  PlacementSettings placement;                        // CHUNKS_UNIQUE_MODE, CREATIONS_RESPECT_TOPOLOGY
};

// Reads every key of master_keys() (and DATA_PATH) from cfg. Fails with one
// line naming file, line and key when a value that is not a plain number does
// not parse (the replication limits, ACCEPTABLE_PERCENTAGE_DIFFERENCE), or
// with "config key not declared: KEY" when the table lacks a key it reads.
Result<MasterSettings> load_master_settings(const Config& cfg);

// For a reload: as load_master_settings, except that when a chunk-loop value
// does not parse, the loop and placement settings of `running` are kept, the
// other keys still apply, and *loop_error says why.
Result<MasterSettings> reload_master_settings(const Config& cfg, const MasterSettings& running, Status* loop_error);

}  // namespace antler::master

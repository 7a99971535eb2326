// The keys of mfsmetalogger.cfg (MooseFS 3.0's names) and their typed struct.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace antler::ml {

struct MetaloggerSettings {
  std::string data_path;            // DATA_PATH (filled by main from the daemon keys)
  std::string master_host;          // MASTER_HOST
  uint16_t master_port = 9419;      // MASTER_PORT
  std::string bind_host;            // BIND_HOST ("" or "*": any)
  std::string bind_host_origin;     // where BIND_HOST was set, for messages
  int reconnection_delay_s = 5;     // MASTER_RECONNECTION_DELAY
  int timeout_s = 10;               // MASTER_TIMEOUT
  int back_logs = 50;               // BACK_LOGS: changelog_ml.N.mfs kept, rotated hourly
  int back_meta_keep_previous = 3;  // BACK_META_KEEP_PREVIOUS: metadata_ml.mfs.back.N kept
  int meta_download_freq_h = 24;    // META_DOWNLOAD_FREQ: hours between images of its own
  bool lock_memory = false;         // LOCK_MEMORY
  int nice_level = -19;             // NICE_LEVEL
  std::string metrics_host = "*";   // METRICS_LISTEN_HOST
  uint16_t metrics_port = 9432;     // METRICS_LISTEN_PORT (0: no /metrics, /health)
  int health_max_lag_s = 10;        // HEALTH_MAX_LAG: /health fails when behind the master longer
};

std::vector<KeyDef> metalogger_keys();
Result<MetaloggerSettings> load_metalogger_settings(const Config& cfg);

}  // namespace antler::ml

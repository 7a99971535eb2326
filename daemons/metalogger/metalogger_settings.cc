#include "daemons/metalogger/metalogger_settings.h"

namespace antler::ml {

std::vector<KeyDef> metalogger_keys() {
  return {
      {"MASTER_HOST", KeyDef::kString, "mfsmaster"},
      {"MASTER_PORT", KeyDef::kInt, "9419", 1, 65535},
      {"BIND_HOST", KeyDef::kString, ""},
      {"METRICS_LISTEN_HOST", KeyDef::kString, "*"},
      {"METRICS_LISTEN_PORT", KeyDef::kInt, "9432", 0, 65535},
      {"HEALTH_MAX_LAG", KeyDef::kInt, "10", 1, 86400},
      {"MASTER_RECONNECTION_DELAY", KeyDef::kInt, "5", 1, 3600},
      {"MASTER_TIMEOUT", KeyDef::kInt, "10", 1, 3600},
      {"BACK_LOGS", KeyDef::kInt, "50", 1, 10000},
      {"BACK_META_KEEP_PREVIOUS", KeyDef::kInt, "3", 0, 99},
      {"META_DOWNLOAD_FREQ", KeyDef::kInt, "24", 1, 24 * 365},
      {"LOCK_MEMORY", KeyDef::kBool, "0"},
      {"NICE_LEVEL", KeyDef::kInt, "-19", -20, 19},
  };
}

Result<MetaloggerSettings> load_metalogger_settings(const Config& cfg) {
  ConfigReader r(cfg);
  MetaloggerSettings s;
  s.master_host = r.str("MASTER_HOST");
  s.master_port = static_cast<uint16_t>(r.num("MASTER_PORT"));
  s.bind_host = r.str("BIND_HOST");
  s.bind_host_origin = r.origin("BIND_HOST");
  s.metrics_host = r.str("METRICS_LISTEN_HOST");
  s.metrics_port = static_cast<uint16_t>(r.num("METRICS_LISTEN_PORT"));
  s.health_max_lag_s = static_cast<int>(r.num("HEALTH_MAX_LAG"));
  s.reconnection_delay_s = static_cast<int>(r.num("MASTER_RECONNECTION_DELAY"));
  s.timeout_s = static_cast<int>(r.num("MASTER_TIMEOUT"));
  s.back_logs = static_cast<int>(r.num("BACK_LOGS"));
  s.back_meta_keep_previous = static_cast<int>(r.num("BACK_META_KEEP_PREVIOUS"));
  s.meta_download_freq_h = static_cast<int>(r.num("META_DOWNLOAD_FREQ"));
  s.lock_memory = r.flag("LOCK_MEMORY");
  s.nice_level = static_cast<int>(r.num("NICE_LEVEL"));
  s.data_path = r.str("DATA_PATH");
  if (!r.status().ok()) return r.status();
  return s;
}

}  // namespace antler::ml

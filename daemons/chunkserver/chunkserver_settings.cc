#include "daemons/chunkserver/chunkserver_settings.h"

#include <cstdlib>

#include "daemons/chunkserver/storage/hdd_config.h"

namespace antler::cs {

std::vector<KeyDef> chunkserver_keys() {
  return {
      {"HDD_CONF_FILENAME", KeyDef::kString, "/etc/mfs/mfshdd.cfg"},
      {"MASTER_HOST", KeyDef::kString, "mfsmaster"},
      {"MASTER_PORT", KeyDef::kInt, "9420", 1, 65535},
      {"BIND_HOST", KeyDef::kString, ""},
      {"CSSERV_LISTEN_HOST", KeyDef::kString, "*"},
      {"CSSERV_LISTEN_PORT", KeyDef::kInt, "9422", 1, 65535},
      {"METRICS_LISTEN_HOST", KeyDef::kString, "*"},
      {"METRICS_LISTEN_PORT", KeyDef::kInt, "9431", 0, 65535},
      {"MASTER_RECONNECTION_DELAY", KeyDef::kInt, "5", 1, 3600},
      {"MASTER_TIMEOUT", KeyDef::kInt, "10", 1, 3600},
      {"HDD_LEAVE_SPACE_DEFAULT", KeyDef::kString, "256MiB"},
      {"LABELS", KeyDef::kString, ""},
      {"HDD_FSYNC_BEFORE_CLOSE", KeyDef::kBool, "0"},
      {"MAX_CONNECTIONS", KeyDef::kInt, "2000", 1, 1000000},
      {"MAX_CONNECTIONS_PER_IP", KeyDef::kInt, "500", 1, 1000000},
      {"HDD_TEST_SPEED", KeyDef::kString, "1"},
      {"HDD_REBALANCE_UTILIZATION", KeyDef::kInt, "20", 0, 100},
      {"HDD_ERROR_TOLERANCE_COUNT", KeyDef::kInt, "2", 0, 1000000},
      {"HDD_ERROR_TOLERANCE_PERIOD", KeyDef::kInt, "600", 1, 86400 * 365},
  };
}

Result<ChunkserverSettings> load_chunkserver_settings(const Config& cfg) {
  ConfigReader r(cfg);
  ChunkserverSettings s;
  s.hdd_conf_filename = r.str("HDD_CONF_FILENAME");
  s.master_host = r.str("MASTER_HOST");
  s.master_port = static_cast<uint16_t>(r.num("MASTER_PORT"));
  s.bind_host = r.str("BIND_HOST");
  s.bind_host_origin = r.origin("BIND_HOST");
  s.listen_host = r.str("CSSERV_LISTEN_HOST");
  s.listen_host_origin = r.origin("CSSERV_LISTEN_HOST");
  s.listen_port = static_cast<uint16_t>(r.num("CSSERV_LISTEN_PORT"));
  s.metrics_host = r.str("METRICS_LISTEN_HOST");
  s.metrics_port = static_cast<uint16_t>(r.num("METRICS_LISTEN_PORT"));
  s.listen_port_origin = r.origin("CSSERV_LISTEN_PORT");
  s.master_reconnection_delay_s = static_cast<int>(r.num("MASTER_RECONNECTION_DELAY"));
  s.master_timeout_s = static_cast<int>(r.num("MASTER_TIMEOUT"));
  s.labels = r.str("LABELS");
  s.fsync_before_close = r.flag("HDD_FSYNC_BEFORE_CLOSE");
  s.max_connections = static_cast<uint32_t>(r.num("MAX_CONNECTIONS"));
  s.max_connections_per_ip = static_cast<uint32_t>(r.num("MAX_CONNECTIONS_PER_IP"));
  s.rebalance_utilization = static_cast<int>(r.num("HDD_REBALANCE_UTILIZATION"));
  s.error_tolerance_count = static_cast<uint32_t>(r.num("HDD_ERROR_TOLERANCE_COUNT"));
  s.error_tolerance_period_s = static_cast<uint32_t>(r.num("HDD_ERROR_TOLERANCE_PERIOD"));
  const std::string& leave_text = r.str("HDD_LEAVE_SPACE_DEFAULT");
  const std::string& speed_text = r.str("HDD_TEST_SPEED");
  if (!r.status().ok()) return r.status();
  int64_t leave = 0;
  if (!parse_size(leave_text, leave) || leave < 0) {
    return Status::error(r.origin("HDD_LEAVE_SPACE_DEFAULT") + ": HDD_LEAVE_SPACE_DEFAULT: '" + leave_text +
                         "' is not a size (e.g. 256MiB)");
  }
  s.leave_space_default = static_cast<uint64_t>(leave);
  char* end = nullptr;
  s.test_speed_mib_s = std::strtod(speed_text.c_str(), &end);
  if (speed_text.empty() || *end != '\0' || s.test_speed_mib_s < 0 || s.test_speed_mib_s > 100000) {
    return Status::error(r.origin("HDD_TEST_SPEED") + ": HDD_TEST_SPEED: '" + speed_text +
                         "' is not a speed in MiB/s (e.g. 1.5; 0 turns the scrub off)");
  }
  return s;
}

}  // namespace antler::cs

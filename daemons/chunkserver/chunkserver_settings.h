// The keys of mfschunkserver.cfg: the table (chunkserver_keys) and the typed
// struct the chunkserver reads them into at start. None applies at reload
// (SIGHUP) but LOG_LEVEL (common/daemon.h); the others need a restart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/status.h"

namespace antler::cs {

// mfschunkserver's own keys; common/daemon adds DATA_PATH, WORKING_USER, … .
std::vector<KeyDef> chunkserver_keys();

struct ChunkserverSettings {
  std::string hdd_conf_filename;  // HDD_CONF_FILENAME (mfshdd.cfg)
  std::string master_host;        // MASTER_HOST
  uint16_t master_port = 9420;    // MASTER_PORT
  std::string bind_host;          // BIND_HOST ("" or "*": any)
  std::string bind_host_origin;   // where BIND_HOST was set, for messages
  std::string listen_host;        // CSSERV_LISTEN_HOST ("" or "*": any)
  std::string listen_host_origin;
  uint16_t listen_port = 9422;     // CSSERV_LISTEN_PORT
  std::string metrics_host = "*";  // METRICS_LISTEN_HOST
  uint16_t metrics_port = 9431;    // METRICS_LISTEN_PORT (0: no /metrics, /health)
  std::string listen_port_origin;
  int master_reconnection_delay_s = 5;      // MASTER_RECONNECTION_DELAY
  int master_timeout_s = 10;                // MASTER_TIMEOUT
  uint64_t leave_space_default = 0;         // HDD_LEAVE_SPACE_DEFAULT, bytes
  std::string labels;                       // LABELS
  bool fsync_before_close = false;          // HDD_FSYNC_BEFORE_CLOSE
  uint32_t max_connections = 2000;          // MAX_CONNECTIONS (data port)
  uint32_t max_connections_per_ip = 500;    // MAX_CONNECTIONS_PER_IP (data port)
  double test_speed_mib_s = 1;              // HDD_TEST_SPEED per disk; 0: no scrub
  int rebalance_utilization = 20;           // HDD_REBALANCE_UTILIZATION, percent
  uint32_t error_tolerance_count = 2;       // HDD_ERROR_TOLERANCE_COUNT
  uint32_t error_tolerance_period_s = 600;  // HDD_ERROR_TOLERANCE_PERIOD
};

// Reads every key of chunkserver_keys() from cfg. Fails with one line naming
// file, line and key when HDD_LEAVE_SPACE_DEFAULT is not a size or
// HDD_TEST_SPEED not a speed, or with "config key not declared: KEY" when the
// table lacks a key it reads.
Result<ChunkserverSettings> load_chunkserver_settings(const Config& cfg);

}  // namespace antler::cs

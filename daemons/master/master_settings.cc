#include "daemons/master/master_settings.h"

namespace antler::master {

std::vector<KeyDef> master_keys() {
  return {
      {"EXPORTS_FILENAME", KeyDef::kString, "/etc/mfs/mfsexports.cfg"},
      {"MATOML_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOML_LISTEN_PORT", KeyDef::kInt, "9419", 1, 65535},
      {"MATOCS_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOCS_LISTEN_PORT", KeyDef::kInt, "9420", 1, 65535},
      {"MATOCL_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOCL_LISTEN_PORT", KeyDef::kInt, "9421", 1, 65535},
      {"METRICS_LISTEN_HOST", KeyDef::kString, "*"},
      {"METRICS_LISTEN_PORT", KeyDef::kInt, "9430", 0, 65535},
      {"METADATA_SAVE_FREQ", KeyDef::kInt, "1", 1, 24 * 365},
      {"BACK_LOGS", KeyDef::kInt, "50", 1, 10000},
      {"DEFAULT_GOAL", KeyDef::kInt, "2", 1, 9},
      {"DEFAULT_TRASHTIME", KeyDef::kInt, "86400", 0, 0xFFFFFFFFLL},
      {"ATIME_MODE", KeyDef::kInt, "2", 0, 4},
      {"REPLICATIONS_DELAY_INIT", KeyDef::kInt, "60", 0, 86400},
      {"REPLICATIONS_DELAY_DISCONNECT", KeyDef::kInt, "0", 0, 30 * 86400},
      {"CHUNKS_LOOP_MAX_CPS", KeyDef::kInt, "100000", 1, 100000000},
      {"CHUNKS_LOOP_MIN_TIME", KeyDef::kInt, "300", 1, 86400},
      {"CHUNKS_WRITE_REP_LIMIT", KeyDef::kString, "2,1,1,4"},
      {"CHUNKS_READ_REP_LIMIT", KeyDef::kString, "10,5,2,5"},
      {"CHUNKS_SOFT_DEL_LIMIT", KeyDef::kInt, "10", 1, 100000},
      {"CHUNKS_HARD_DEL_LIMIT", KeyDef::kInt, "25", 1, 100000},
      {"ACCEPTABLE_PERCENTAGE_DIFFERENCE", KeyDef::kString, "1.0"},
      {"SESSION_LOCK_TIMEOUT", KeyDef::kInt, "5", 1, 3600},
      {"SESSION_SUSTAIN_TIME", KeyDef::kInt, "86400", 1, 7 * 86400},
      {"MAX_CONNECTIONS", KeyDef::kInt, "10000", 1, 1000000},
      {"CHUNK_TOKENS", KeyDef::kInt, "1", 0, 1},
      {"CHUNK_TOKEN_ROTATION", KeyDef::kInt, "600", 10, 86400},
      {"MAX_CONNECTIONS_PER_IP", KeyDef::kInt, "1000", 1, 1000000},
      {"QUOTA_DEFAULT_GRACE_PERIOD", KeyDef::kInt, "604800", 0, 0xFFFFFFFFLL},
      {"TOPOLOGY_FILENAME", KeyDef::kString, "/etc/mfs/mfstopology.cfg"},
      {"CHUNKS_UNIQUE_MODE", KeyDef::kInt, "0", 0, 2},
      {"REPLICATIONS_RESPECT_TOPOLOGY", KeyDef::kInt, "0", 0, 2},
      {"CREATIONS_RESPECT_TOPOLOGY", KeyDef::kInt, "0", 0, 1000},
      {"CS_MAINTENANCE_MODE_TIMEOUT", KeyDef::kInt, "0", 0, 0xFFFFFFFFLL},
      {"CS_TEMP_MAINTENANCE_MODE_TIMEOUT", KeyDef::kInt, "1800", 0, 0xFFFFFFFFLL},
      {"SYNC_METALOGGERS", KeyDef::kInt, "0", 0, 16},
      {"SYNC_METALOGGERS_TIMEOUT", KeyDef::kInt, "10", 1, 86400},
      {"SYNC_METALOGGERS_FALLBACK", KeyDef::kString, "refuse"},
  };
}

namespace {

// The keys that Config::load has already checked fully (numbers in range,
// file names); fails only for a key the table lacks.
Status load_plain(const Config& cfg, MasterSettings* s) {
  ConfigReader r(cfg);
  s->data_path = r.str("DATA_PATH");
  s->back_logs = static_cast<int>(r.num("BACK_LOGS"));
  s->matoml_host = r.str("MATOML_LISTEN_HOST");
  s->matoml_port = static_cast<uint16_t>(r.num("MATOML_LISTEN_PORT"));
  s->matocs_host = r.str("MATOCS_LISTEN_HOST");
  s->matocs_port = static_cast<uint16_t>(r.num("MATOCS_LISTEN_PORT"));
  s->matocl_host = r.str("MATOCL_LISTEN_HOST");
  s->matocl_port = static_cast<uint16_t>(r.num("MATOCL_LISTEN_PORT"));
  s->metrics_host = r.str("METRICS_LISTEN_HOST");
  s->metrics_port = static_cast<uint16_t>(r.num("METRICS_LISTEN_PORT"));
  s->default_goal = static_cast<uint8_t>(r.num("DEFAULT_GOAL"));
  s->default_trashtime = static_cast<uint32_t>(r.num("DEFAULT_TRASHTIME"));
  s->exports_filename = r.str("EXPORTS_FILENAME");
  s->topology_filename = r.str("TOPOLOGY_FILENAME");
  s->metadata_save_freq_h = r.num("METADATA_SAVE_FREQ");
  s->atime_mode = r.num("ATIME_MODE");
  s->session_lock_timeout_s = r.num("SESSION_LOCK_TIMEOUT");
  s->session_sustain_time_s = r.num("SESSION_SUSTAIN_TIME");
  s->max_connections = static_cast<uint32_t>(r.num("MAX_CONNECTIONS"));
  s->chunk_tokens = r.num("CHUNK_TOKENS") != 0;
  s->chunk_token_rotation_s = r.num("CHUNK_TOKEN_ROTATION");
  s->max_connections_per_ip = static_cast<uint32_t>(r.num("MAX_CONNECTIONS_PER_IP"));
  s->quota_default_grace_period_s = static_cast<uint32_t>(r.num("QUOTA_DEFAULT_GRACE_PERIOD"));
  s->cs_maintenance_mode_timeout_s = r.num("CS_MAINTENANCE_MODE_TIMEOUT");
  s->cs_temp_maintenance_mode_timeout_s = r.num("CS_TEMP_MAINTENANCE_MODE_TIMEOUT");
  s->sync_metaloggers = static_cast<uint32_t>(r.num("SYNC_METALOGGERS"));
  s->sync_metaloggers_timeout_s = r.num("SYNC_METALOGGERS_TIMEOUT");
  const std::string& fallback = r.str("SYNC_METALOGGERS_FALLBACK");
  if (fallback != "refuse" && fallback != "serve")
    return Status::error(r.origin("SYNC_METALOGGERS_FALLBACK") + ": SYNC_METALOGGERS_FALLBACK: '" + fallback +
                         "' is neither refuse nor serve");
  s->sync_metaloggers_serve = fallback == "serve";
  return r.status();
}

// The chunk loop's and placement keys into s; on failure s is unchanged.
Status load_chunk_keys(const Config& cfg, MasterSettings* s) {
  auto loop = load_loop_settings(cfg);
  if (!loop) return loop.status();
  auto placement = load_placement_settings(cfg);
  if (!placement) return placement.status();
  s->loop = *loop;
  s->placement = *placement;
  return Status();
}

}  // namespace

Result<MasterSettings> load_master_settings(const Config& cfg) {
  MasterSettings s;
  if (Status st = load_chunk_keys(cfg, &s); !st) return st;
  if (Status st = load_plain(cfg, &s); !st) return st;
  return s;
}

Result<MasterSettings> reload_master_settings(const Config& cfg, const MasterSettings& running, Status* loop_error) {
  MasterSettings s;
  if (Status st = load_plain(cfg, &s); !st) return st;
  *loop_error = load_chunk_keys(cfg, &s);
  if (!loop_error->ok()) {
    s.loop = running.loop;
    s.placement = running.placement;
  }
  return s;
}

}  // namespace antler::master

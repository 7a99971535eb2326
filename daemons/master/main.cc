// mfsmaster: the metadata server.
#include <memory>
#include <thread>

#include "common/daemon.h"
#include "daemons/master/master.h"

using antler::KeyDef;

int main(int argc, char** argv) {
  std::unique_ptr<antler::master::Master> master;
  std::thread loop;
  antler::DaemonSpec spec;
  spec.name = "mfsmaster";
  spec.default_config = "/etc/mfs/mfsmaster.cfg";
  spec.description = "Antler metadata server: the whole namespace in RAM, changelogs and images in DATA_PATH.";
  spec.has_autorecover = true;
  spec.keys = {
      {"EXPORTS_FILENAME", KeyDef::kString, "/etc/mfs/mfsexports.cfg"},
      {"MATOML_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOML_LISTEN_PORT", KeyDef::kInt, "9419", 1, 65535},
      {"MATOCS_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOCS_LISTEN_PORT", KeyDef::kInt, "9420", 1, 65535},
      {"MATOCL_LISTEN_HOST", KeyDef::kString, "*"},
      {"MATOCL_LISTEN_PORT", KeyDef::kInt, "9421", 1, 65535},
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
      {"QUOTA_DEFAULT_GRACE_PERIOD", KeyDef::kInt, "604800", 0, 0xFFFFFFFFLL},
      {"TOPOLOGY_FILENAME", KeyDef::kString, "/etc/mfs/mfstopology.cfg"},
      {"CHUNKS_UNIQUE_MODE", KeyDef::kInt, "0", 0, 2},
      {"REPLICATIONS_RESPECT_TOPOLOGY", KeyDef::kInt, "0", 0, 2},
      {"CREATIONS_RESPECT_TOPOLOGY", KeyDef::kInt, "0", 0, 1000},
      {"CS_MAINTENANCE_MODE_TIMEOUT", KeyDef::kInt, "0", 0, 0xFFFFFFFFLL},
      {"CS_TEMP_MAINTENANCE_MODE_TIMEOUT", KeyDef::kInt, "1800", 0, 0xFFFFFFFFLL},
  };
  spec.start = [&](const antler::Config& cfg, const antler::DaemonArgs& args) {
    master = std::make_unique<antler::master::Master>(cfg);
    int rc = master->start(args.autorecover);
    if (rc == 0) loop = std::thread([&] { master->run(); });
    return rc;
  };
  spec.reload = [&](const antler::Config& cfg) { master->reload(cfg); };
  spec.stop = [&] { master->request_stop(); };
  spec.wait = [&] {
    if (loop.joinable()) loop.join();
  };
  return antler::daemon_main(argc, argv, spec);
}

// mfsmaster: the metadata server.
#include <memory>
#include <thread>

#include "common/daemon.h"
#include "daemons/master/master.h"

int main(int argc, char** argv) {
  std::unique_ptr<antler::master::Master> master;
  std::thread loop;
  antler::DaemonSpec spec;
  spec.name = "mfsmaster";
  spec.default_config = "/etc/mfs/mfsmaster.cfg";
  spec.description = "Antler metadata server: the whole namespace in RAM, changelogs and images in DATA_PATH.";
  spec.has_autorecover = true;
  spec.keys = antler::master::master_config_keys();
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

// mfsmaster: the metadata server.
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "common/daemon.h"
#include "common/log.h"
#include "daemons/master/master.h"
#include "daemons/master/master_settings.h"

int main(int argc, char** argv) {
  std::unique_ptr<antler::master::Master> master;
  std::thread loop;
  antler::DaemonSpec spec;
  spec.name = "mfsmaster";
  spec.default_config = "/etc/mfs/mfsmaster.cfg";
  spec.description = "Antler metadata server: the whole namespace in RAM, changelogs and images in DATA_PATH.";
  spec.has_autorecover = true;
  spec.keys = antler::master::master_keys();
  spec.start = [&](const antler::Config& cfg, const antler::DaemonArgs& args) {
    auto settings = antler::master::load_master_settings(cfg);
    if (!settings) {
      antler::log::error("{}", settings.status().message());
      return 1;
    }
    master = std::make_unique<antler::master::Master>(*settings);
    master->set_step_down_hook([] { ::kill(::getpid(), SIGTERM); });
    int rc = master->start(args.autorecover);
    if (rc == 0) loop = std::thread([&] { master->run(); });
    return rc;
  };
  spec.restore = [&](const antler::Config& cfg) {
    auto settings = antler::master::load_master_settings(cfg);
    if (!settings) {
      antler::log::error("{}", settings.status().message());
      return 1;
    }
    return antler::master::Master(*settings).restore();
  };
  spec.reload = [&](const antler::Config& cfg) { master->reload(cfg); };
  spec.stop = [&] { master->request_stop(); };
  spec.wait = [&] {
    if (loop.joinable()) loop.join();
  };
  int rc = antler::daemon_main(argc, argv, spec);
  return master && master->stepped_down() ? 3 : rc;
}

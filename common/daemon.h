// The lifecycle shared by every daemon: MooseFS-style command line
//   NAME [-c CFG] [-f] [-a] [start|stop|restart|reload|test|kill]
// a lock file in DATA_PATH holding the pid, start-up errors reported to the
// caller's terminal before detaching, WORKING_USER/WORKING_GROUP, SIGHUP
// reload and SIGTERM/SIGINT shutdown.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config.h"

namespace antler {

struct DaemonArgs {
  std::string config_path;
  bool foreground = false;
  bool autorecover = false;  // -a
  std::string verb = "start";
};

struct DaemonSpec {
  std::string name;            // e.g. "mfsmaster"; also the syslog ident
  std::string default_config;  // e.g. "/etc/mfs/mfsmaster.cfg"
  std::vector<KeyDef> keys;    // DATA_PATH, WORKING_USER, WORKING_GROUP are added if absent
  std::string description;     // one line for --help
  bool has_autorecover = false;
  // Starts the daemon's threads and returns 0, or logs why not and returns
  // non-zero. Runs after the lock is taken and privileges are dropped.
  std::function<int(const Config&, const DaemonArgs&)> start;
  std::function<void(const Config&)> reload;  // after SIGHUP, with the re-read file
  std::function<void()> stop;                 // asks the threads to finish
  std::function<void()> wait;                 // returns when they have
};

// Runs the whole lifecycle; returns the process exit code.
int daemon_main(int argc, char** argv, DaemonSpec& spec);

}  // namespace antler

// The lifecycle shared by every daemon: MooseFS-style command line
//   NAME [-c CFG] [-f] [-a] [start|stop|restart|reload|test|kill|restore]
// a lock file in DATA_PATH holding the pid, start-up errors reported to the
// caller's terminal before detaching, WORKING_USER/WORKING_GROUP, SIGHUP
// reload and SIGTERM/SIGINT shutdown.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/log.h"
#include "common/status.h"

namespace antler {

// The keys every daemon has, typed once at start and at each reload.
struct DaemonSettings {
  std::string data_path;         // DATA_PATH: metadata or lock file folder
  std::string data_path_origin;  // where DATA_PATH was set ("file:line" or "default")
  std::string working_user;      // WORKING_USER ("" or "root": stay root)
  std::string working_user_origin;
  std::string working_group;  // WORKING_GROUP ("": the user's group)
  std::string working_group_origin;
  std::string syslog_ident;                  // SYSLOG_IDENT
  log::Level log_level = log::Level::kInfo;  // LOG_LEVEL: debug, info, warn(ing), error
};

// keys plus DATA_PATH, WORKING_USER, WORKING_GROUP, SYSLOG_IDENT and
// LOG_LEVEL where absent (SYSLOG_IDENT defaults to name).
std::vector<KeyDef> with_daemon_keys(std::vector<KeyDef> keys, const std::string& name);
// Reads the keys of with_daemon_keys; fails only for a key the table lacks.
Result<DaemonSettings> load_daemon_settings(const Config& cfg);

struct DaemonArgs {
  std::string config_path;
  bool foreground = false;
  bool autorecover = false;  // -a
  std::string verb = "start";
};

struct DaemonSpec {
  std::string name;            // e.g. "mfsmaster"; also the syslog ident
  std::string default_config;  // e.g. "/etc/mfs/mfsmaster.cfg"
  std::vector<KeyDef> keys;    // with_daemon_keys adds DATA_PATH, WORKING_USER, … if absent
  std::string description;     // one line for --help
  bool has_autorecover = false;
  // Starts the daemon's threads and returns 0, or logs why not and returns
  // non-zero. Runs after the lock is taken and privileges are dropped; reads
  // the daemon's own keys into its settings struct first.
  std::function<int(const Config&, const DaemonArgs&)> start;
  std::function<void(const Config&)> reload;  // after SIGHUP, with the re-read file
  std::function<void()> stop;                 // asks the threads to finish
  std::function<void()> wait;                 // returns when they have
  // The "restore" verb, where set (mfsmaster): recover the metadata into
  // DATA_PATH, write it to disk and exit without serving; 0 or non-zero.
  // Runs with the lock held, after the privilege drop, in the foreground.
  std::function<int(const Config&)> restore;
};

// Runs the whole lifecycle; returns the process exit code.
int daemon_main(int argc, char** argv, DaemonSpec& spec);

}  // namespace antler

#include "common/daemon.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "common/log.h"
#include "common/parse.h"

namespace antler {

namespace {

log::Level parse_level(const std::string& s) {
  if (s == "debug") return log::Level::kDebug;
  if (s == "warn" || s == "warning") return log::Level::kWarn;
  if (s == "error") return log::Level::kError;
  return log::Level::kInfo;
}

}  // namespace

std::vector<KeyDef> with_daemon_keys(std::vector<KeyDef> keys, const std::string& name) {
  auto has = [&](const std::string& k) {
    for (const auto& d : keys)
      if (d.name == k) return true;
    return false;
  };
  if (!has("DATA_PATH")) keys.push_back({"DATA_PATH", KeyDef::kString, "/var/lib/mfs"});
  if (!has("WORKING_USER")) keys.push_back({"WORKING_USER", KeyDef::kString, "mfs"});
  if (!has("WORKING_GROUP")) keys.push_back({"WORKING_GROUP", KeyDef::kString, ""});
  if (!has("SYSLOG_IDENT")) keys.push_back({"SYSLOG_IDENT", KeyDef::kString, name});
  if (!has("LOG_LEVEL")) keys.push_back({"LOG_LEVEL", KeyDef::kString, "info"});
  return keys;
}

Result<DaemonSettings> load_daemon_settings(const Config& cfg) {
  ConfigReader r(cfg);
  DaemonSettings s;
  s.data_path = r.str("DATA_PATH");
  s.data_path_origin = r.origin("DATA_PATH");
  s.working_user = r.str("WORKING_USER");
  s.working_user_origin = r.origin("WORKING_USER");
  s.working_group = r.str("WORKING_GROUP");
  s.working_group_origin = r.origin("WORKING_GROUP");
  s.syslog_ident = r.str("SYSLOG_IDENT");
  s.log_level = parse_level(r.str("LOG_LEVEL"));
  if (!r.status().ok()) return r.status();
  return s;
}

namespace {

void usage(const DaemonSpec& spec, FILE* out) {
  std::fprintf(out,
               "usage: %s [-c CFGFILE] [-f]%s [start|stop|restart|reload|test|kill%s]\n"
               "%s\n\n"
               "  -c CFGFILE  configuration file (default %s; .yaml/.yml files are read as YAML)\n"
               "  -f          run in the foreground, logging to stderr too\n"
               "%s"
               "  -h, --help  this help\n"
               "  -v          print version\n\n"
               "  start    start the daemon (default)\n"
               "  stop     stop the running daemon and wait for it to exit\n"
               "  restart  stop, then start\n"
               "  reload   make the running daemon re-read its configuration (SIGHUP)\n"
               "  test     check the configuration and whether the daemon runs\n"
               "  kill     kill the running daemon at once (SIGKILL)\n"
               "%s",
               spec.name.c_str(), spec.has_autorecover ? " [-a]" : "", spec.restore ? "|restore" : "",
               spec.description.c_str(), spec.default_config.c_str(),
               spec.has_autorecover ? "  -a          recover metadata from the newest image and changelogs\n" : "",
               spec.restore ? "  restore  recover the metadata (as -a), write it to DATA_PATH and exit\n" : "");
}

std::string lock_path(const DaemonSettings& ds, const DaemonSpec& spec) {
  return ds.data_path + "/." + spec.name + ".lock";
}

// The pid written in a lock file, -1 if it holds none.
long pid_in(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  uint32_t pid = 0;
  return parse_u32(text, &pid) ? static_cast<long>(pid) : -1;
}

// Returns the pid holding the lock, 0 if none, -1 if the file cannot be read.
pid_t lock_holder(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  pid_t pid = 0;
  if (::flock(fd, LOCK_SH | LOCK_NB) < 0) {
    pid = static_cast<pid_t>(pid_in(fd));
  }
  ::close(fd);
  return pid;
}

int signal_running(const DaemonSettings& ds, const DaemonSpec& spec, int sig, bool wait_exit) {
  std::string lp = lock_path(ds, spec);
  pid_t pid = lock_holder(lp);
  if (pid <= 0) {
    std::fprintf(stderr, "%s: not running (no lock held on %s)\n", spec.name.c_str(), lp.c_str());
    return sig == SIGTERM ? 0 : 1;
  }
  if (::kill(pid, sig) < 0) {
    std::fprintf(stderr, "%s: cannot signal pid %d: %s\n", spec.name.c_str(), pid, std::strerror(errno));
    return 1;
  }
  if (!wait_exit) return 0;
  for (int i = 0; i < 1200; i++) {  // up to 120 s: a master may be saving its image
    if (lock_holder(lp) == 0) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "%s: pid %d did not stop within 120 s\n", spec.name.c_str(), pid);
  return 1;
}

int take_lock(const DaemonSettings& ds, const DaemonSpec& spec) {
  std::string lp = lock_path(ds, spec);
  int fd = ::open(lp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "%s: cannot open lock file %s: %s (DATA_PATH set at %s)\n", spec.name.c_str(), lp.c_str(),
                 std::strerror(errno), ds.data_path_origin.c_str());
    return -1;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) < 0) {
    std::fprintf(stderr, "%s: already running (pid %ld, lock %s)\n", spec.name.c_str(), pid_in(fd), lp.c_str());
    ::close(fd);
    return -1;
  }
  return fd;
}

void write_pid(int fd) {
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) < 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    log::warn("cannot write pid to lock file: {}", std::strerror(errno));
  }
}

Status drop_privileges(const DaemonSettings& ds) {
  if (::geteuid() != 0) return Status();
  const std::string& user = ds.working_user;
  const std::string& group = ds.working_group;
  if (user.empty() || user == "root") return Status();
  passwd* pw = ::getpwnam(user.c_str());
  if (!pw) return Status::error(ds.working_user_origin + ": WORKING_USER: unknown user '" + user + "'");
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    struct group* gr = ::getgrnam(group.c_str());
    if (!gr) return Status::error(ds.working_group_origin + ": WORKING_GROUP: unknown group '" + group + "'");
    gid = gr->gr_gid;
  }
  if (::chown(ds.data_path.c_str(), pw->pw_uid, gid) < 0) {
    // not fatal: the folder may already belong to the user
  }
  if (::setgroups(0, nullptr) < 0 || ::setgid(gid) < 0 || ::setuid(pw->pw_uid) < 0)
    return Status::from_errno("cannot switch to WORKING_USER " + user, errno);
  return Status();
}

}  // namespace

int daemon_main(int argc, char** argv, DaemonSpec& spec) {
  spec.keys = with_daemon_keys(std::move(spec.keys), spec.name);
  DaemonArgs args;
  args.config_path = spec.default_config;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(spec, stdout);
      return 0;
    } else if (a == "-v" || a == "--version") {
      std::printf("%s (Antler) %s\n", spec.name.c_str(), ANTLER_VERSION);
      return 0;
    } else if (a == "-f") {
      args.foreground = true;
    } else if (a == "-a" && spec.has_autorecover) {
      args.autorecover = true;
    } else if (a == "-c" && i + 1 < argc) {
      args.config_path = argv[++i];
    } else if (a.rfind("-c", 0) == 0 && a.size() > 2) {
      args.config_path = a.substr(2);
    } else if (a == "start" || a == "stop" || a == "restart" || a == "reload" || a == "test" || a == "kill" ||
               (a == "restore" && spec.restore)) {
      args.verb = a;
    } else {
      std::fprintf(stderr, "%s: unknown argument '%s' (see --help)\n", spec.name.c_str(), a.c_str());
      return 2;
    }
  }

  std::vector<std::string> warnings;
  auto cfg = Config::load(args.config_path, spec.keys, &warnings, /*missing_ok=*/false);
  if (!cfg) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(), cfg.status().message().c_str());
    return 1;
  }
  for (const auto& w : warnings) std::fprintf(stderr, "%s: warning: %s\n", spec.name.c_str(), w.c_str());
  auto settings = load_daemon_settings(*cfg);
  if (!settings) {
    std::fprintf(stderr, "%s: %s\n", spec.name.c_str(), settings.status().message().c_str());
    return 1;
  }
  const DaemonSettings& ds = *settings;

  if (args.verb == "stop") return signal_running(ds, spec, SIGTERM, true);
  if (args.verb == "kill") return signal_running(ds, spec, SIGKILL, false);
  if (args.verb == "reload") return signal_running(ds, spec, SIGHUP, false);
  if (args.verb == "test") {
    pid_t pid = lock_holder(lock_path(ds, spec));
    if (pid > 0) std::printf("%s: configuration ok; running as pid %d\n", spec.name.c_str(), pid);
    else std::printf("%s: configuration ok; not running\n", spec.name.c_str());
    return pid > 0 ? 0 : 1;
  }
  if (args.verb == "restart") {
    if (signal_running(ds, spec, SIGTERM, true) != 0) return 1;
  }

  struct stat st {};
  if (::stat(ds.data_path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "%s: %s: DATA_PATH: '%s' is not an existing directory\n", spec.name.c_str(),
                 ds.data_path_origin.c_str(), ds.data_path.c_str());
    return 1;
  }
  int lock_fd = take_lock(ds, spec);
  if (lock_fd < 0) return 1;

  ::signal(SIGPIPE, SIG_IGN);
  if (args.verb == "restore") {
    log::init(ds.syslog_ident, /*to_stderr=*/true, /*to_syslog=*/false, ds.log_level);
    if (Status st = drop_privileges(ds); !st) {
      log::error("{}", st.message());
      return 1;
    }
    return spec.restore(*cfg);
  }
  int ready[2] = {-1, -1};
  if (!args.foreground) {
    if (::pipe2(ready, O_CLOEXEC) < 0) return 1;
    pid_t child = ::fork();
    if (child < 0) {
      std::perror("fork");
      return 1;
    }
    if (child > 0) {
      ::close(ready[1]);
      char code = 1;
      if (::read(ready[0], &code, 1) != 1) code = 1;
      return code;
    }
    ::close(ready[0]);
    ::setsid();
  }
  write_pid(lock_fd);
  log::init(ds.syslog_ident, /*to_stderr=*/true, /*to_syslog=*/!args.foreground, ds.log_level);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  if (Status st = drop_privileges(ds); !st) {
    log::error("{}", st.message());
    if (ready[1] >= 0) {
      char code = 1;
      (void)!::write(ready[1], &code, 1);
    }
    return 1;
  }
  int rc = spec.start(*cfg, args);
  if (ready[1] >= 0) {
    char code = static_cast<char>(rc == 0 ? 0 : 1);
    (void)!::write(ready[1], &code, 1);
    ::close(ready[1]);
    if (rc == 0) {
      // Detached: from now on, syslog only.
      int devnull = ::open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        if (devnull > 2) ::close(devnull);
      }
    }
  }
  if (rc != 0) return rc;
  log::info("{} started (pid {})", spec.name, ::getpid());

  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      std::vector<std::string> warns;
      auto fresh = Config::load(args.config_path, spec.keys, &warns);
      auto fresh_ds = fresh ? load_daemon_settings(*fresh) : Result<DaemonSettings>(fresh.status());
      if (!fresh_ds) {
        log::error("reload refused, keeping the running configuration: {}", fresh_ds.status().message());
        continue;
      }
      for (const auto& w : warns) log::warn("{}", w);
      log::info("reloading configuration from {}", args.config_path);
      log::set_level(fresh_ds->log_level);
      if (spec.reload) spec.reload(*fresh);
      continue;
    }
    log::info("signal {} received, stopping", sig);
    break;
  }
  spec.stop();
  spec.wait();
  log::info("{} stopped", spec.name);
  ::close(lock_fd);
  return 0;
}

}  // namespace antler

// mfsmount: mounts an Antler (MooseFS-style) file system through FUSE 3.
//
// Start-up order matters. The client core starts threads, which do not
// survive fork(), so in the background case the process forks first and the
// child connects, registers its session, mounts and only then tells the
// waiting parent (through a pipe) that all went well; the parent exits 0, or
// prints the child's one-line reason and exits 1. A refused mount (exports,
// password, no master) thus reaches the user's terminal.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/fuse/fuse_metrics.h"
#include "client/fuse/fuse_ops.h"
#include "client/fuse/meta_ops.h"
#include "client/fuse/options.h"
#include "common/fd.h"
#include "common/log.h"

namespace antler::mount {
namespace {

// Reports start-up success or failure to the waiting parent (or, in the
// foreground, to stderr).
class Startup {
 public:
  // Forks unless foreground. Returns false in the parent, which should exit
  // with *exit_code.
  bool detach(bool foreground, int* exit_code) {
    if (foreground) return true;
    int fds[2];
    if (pipe(fds) != 0) {
      std::fprintf(stderr, "mfsmount: pipe: %s\n", std::strerror(errno));
      *exit_code = 1;
      return false;
    }
    UniqueFd from_child(fds[0]), to_parent(fds[1]);
    pid_t pid = fork();
    if (pid < 0) {
      std::fprintf(stderr, "mfsmount: fork: %s\n", std::strerror(errno));
      *exit_code = 1;
      return false;
    }
    if (pid > 0) {
      to_parent.reset();
      *exit_code = wait_for_child(std::move(from_child));
      return false;
    }
    from_child.reset();
    fd_ = std::move(to_parent);
    setsid();
    return true;
  }

  void fail(const std::string& message) {
    if (!fd_) {
      std::fprintf(stderr, "mfsmount: %s\n", message.c_str());
      return;
    }
    (void)write_all(fd_.get(), "1" + message);  // the parent reports a silent end too
    fd_.reset();
  }

  // Mounted: release the parent and let go of the terminal.
  void succeed() {
    if (!fd_) return;
    (void)write_all(fd_.get(), "0");
    fd_.reset();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      if (null > STDERR_FILENO) close(null);
    }
  }

 private:
  static int wait_for_child(UniqueFd fd) {
    std::string got;
    char buf[512];
    for (;;) {
      ssize_t n = read(fd.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (got[0] == '0') break;
    }
    fd.reset();
    if (!got.empty() && got[0] == '0') return 0;
    if (got.size() > 1) {
      std::fprintf(stderr, "mfsmount: %s\n", got.c_str() + 1);
    } else if (got.empty()) {
      std::fprintf(stderr, "mfsmount: the mount process ended during start-up\n");
    }
    return 1;
  }

  UniqueFd fd_;  // to the waiting parent; none in the foreground
};

bool ask_password(std::string* password) {
  UniqueFd tty(open("/dev/tty", O_RDWR | O_NOCTTY));
  if (!tty) {
    std::fprintf(stderr, "mfsmount: -p: no terminal to ask the password on\n");
    return false;
  }
  int fd = tty.get();
  (void)write_all(fd, "MFS Password:");
  termios old{};
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char ch;
  while (read(fd, &ch, 1) == 1 && ch != '\n') line.push_back(ch);
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  tty.reset();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  *password = line;
  return true;
}

// Hides mfspassword=... and mfsmd5pass=... values from ps(1).
void scrub_passwords(int argc, char** argv) {
  for (const char* key : {"mfspassword=", "mfsmd5pass="}) {
    size_t len = std::strlen(key);
    for (int i = 1; i < argc; i++) {
      for (char* p = std::strstr(argv[i], key); p != nullptr; p = std::strstr(p, key)) {
        p += len;
        for (; *p != '\0' && *p != ','; p++) *p = 'x';
      }
    }
  }
}

struct FuseArgs {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  fuse_args args = FUSE_ARGS_INIT(0, nullptr);

  FuseArgs(const char* prog, const std::vector<std::string>& options) {
    storage.push_back(prog);
    std::string joined;
    for (const std::string& o : options) {
      if (!joined.empty()) joined += ',';
      joined += o;
    }
    if (!joined.empty()) {
      storage.push_back("-o");
      storage.push_back(joined);
    }
    for (std::string& s : storage) argv.push_back(s.data());
    argv.push_back(nullptr);
    args = FUSE_ARGS_INIT(static_cast<int>(storage.size()), argv.data());
  }
  FuseArgs(const FuseArgs&) = delete;
  FuseArgs& operator=(const FuseArgs&) = delete;
  ~FuseArgs() { fuse_opt_free_args(&args); }
};

int run(int argc, char** argv) {
  std::vector<std::string> arg_list(argv, argv + argc);
  MountConfig cfg;
  if (Status s = parse_mount_config(arg_list, &cfg); !s.ok()) {
    std::fprintf(stderr, "mfsmount: %s\n", s.message().c_str());
    return 1;
  }
  if (cfg.show_help) {
    print_usage(argv[0]);
    std::printf("\nFUSE mount options (-o):\n");
    std::fflush(stdout);
    fuse_lowlevel_help();
    return 0;
  }
  if (cfg.show_version) {
    std::printf("mfsmount (Antler) %s\nFUSE library version %s\n", ANTLER_VERSION, fuse_pkgversion());
    return 0;
  }
  scrub_passwords(argc, argv);
  for (const std::string& w : cfg.warnings) std::fprintf(stderr, "mfsmount: warning: %s\n", w.c_str());
  if (cfg.ask_password && !ask_password(&cfg.client.password)) return 1;

  char* real = realpath(cfg.mountpoint.c_str(), nullptr);
  if (real == nullptr) {
    std::fprintf(stderr, "mfsmount: mount point %s: %s\n", cfg.mountpoint.c_str(), std::strerror(errno));
    return 1;
  }
  cfg.mountpoint = real;
  std::free(real);
  struct stat st;
  if (stat(cfg.mountpoint.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "mfsmount: mount point %s is not a directory\n", cfg.mountpoint.c_str());
    return 1;
  }
  if (cfg.client.info.empty()) cfg.client.info = cfg.mountpoint;
  const bool is_root = geteuid() == 0;

  // Check the pass-through FUSE options now, while the user is listening.
  {
    FuseArgs probe(argv[0], fuse_mount_options(cfg, false, is_root));
    fuse_conn_info_opts* conn = fuse_parse_conn_info_opts(&probe.args);
    fuse_session* se = conn ? fuse_session_new(&probe.args, &fuse_ops(), sizeof(fuse_lowlevel_ops), nullptr) : nullptr;
    std::free(conn);
    if (se == nullptr) {
      std::fprintf(stderr, "mfsmount: bad FUSE options (see mfsmount -h)\n");
      return 1;
    }
    fuse_session_destroy(se);
  }

  signal(SIGPIPE, SIG_IGN);
  Startup startup;
  int exit_code = 0;
  if (!startup.detach(cfg.foreground, &exit_code)) return exit_code;

  // From here on: the process that serves the mount.
  log::init("mfsmount", cfg.foreground, !cfg.foreground,
            cfg.debug || cfg.mfs_debug ? log::Level::kDebug : log::Level::kInfo);

  cfg.client.dir_attr_cache_ms = static_cast<int>(cfg.attr_cache_s * 1000);
  Result<std::unique_ptr<client::Client>> created = client::Client::create(cfg.client);
  if (!created) {
    const std::string& why = created.status().message();
    startup.fail(why.empty() ? "cannot connect to the master" : why);
    return 1;
  }
  std::unique_ptr<client::Client> client = std::move(created).value();

  // /metrics and /health, before the mount: a port asked for that cannot be
  // taken fails the mount; the default one, taken by another mount, does not.
  std::unique_ptr<metrics::Server> metrics_server;
  if (cfg.metrics_port != 0) {
    client::Client* c = client.get();
    std::string master = cfg.client.master_host + ":" + std::to_string(cfg.client.master_port);
    metrics::Server::Handlers h;
    h.collect = [c] { return std::optional<metrics::Exposition>(mount_metrics(*c)); };
    h.health = [c, master] { return mount_health(*c, master); };
    auto server = metrics::Server::start(cfg.metrics_host, cfg.metrics_port, "mfsmount", std::move(h));
    if (server) {
      metrics_server = std::move(*server);
    } else if (cfg.metrics_port_given) {
      startup.fail(server.status().message() + " (mfsmetricsport)");
      return 1;
    } else {
      log::warn(
          "{}: going on without /metrics and /health (another mount has the default port; give this one "
          "-o mfsmetricsport=N)",
          server.status().message());
    }
  }
  Fs fs = Fs::from_config(cfg);
  fs.client = client.get();
  fs.kernel_perms = fs.xattrs && client->kernel_checks();
  FuseArgs fargs(argv[0], fuse_mount_options(cfg, client->readonly(), is_root));
  fs.conn_opts = fuse_parse_conn_info_opts(&fargs.args);
  const fuse_lowlevel_ops ops = timed_ops(cfg.client.meta ? meta_ops() : fuse_ops());
  fuse_session* se = fs.conn_opts ? fuse_session_new(&fargs.args, &ops, sizeof(fuse_lowlevel_ops), &fs) : nullptr;
  if (se == nullptr) {
    startup.fail("cannot create the FUSE session");
    std::free(fs.conn_opts);
    return 1;
  }
  if (fuse_set_signal_handlers(se) != 0) {
    startup.fail("cannot set signal handlers");
    fuse_session_destroy(se);
    std::free(fs.conn_opts);
    return 1;
  }
  if (fuse_session_mount(se, cfg.mountpoint.c_str()) != 0) {
    startup.fail("cannot mount " + cfg.mountpoint);
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
    std::free(fs.conn_opts);
    return 1;
  }
  log::info("mounted {} from {}:{}{}{}", cfg.mountpoint, cfg.client.master_host, cfg.client.master_port,
            cfg.client.subdir, client->readonly() ? " (read-only)" : "");

  if (metrics_server) log::info("metrics on port {} (/metrics, /health)", metrics_server->port());
  startup.succeed();
  if (!cfg.foreground) (void)!chdir("/");

  int ret;
  if (cfg.single_thread) {
    ret = fuse_session_loop(se);
  } else {
    fuse_loop_config* loop = fuse_loop_cfg_create();
    fuse_loop_cfg_set_clone_fd(loop, 0);
    fuse_loop_cfg_set_max_threads(loop, std::max(cfg.max_threads, cfg.max_idle_threads));
    fuse_loop_cfg_set_idle_threads(loop, cfg.max_idle_threads);
    ret = fuse_session_loop_mt(se, loop);
    fuse_loop_cfg_destroy(loop);
  }
  metrics_server.reset();  // before the client it reads
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  std::free(fs.conn_opts);
  client.reset();  // flushes what is still buffered and closes the session
  log::info("{} unmounted", cfg.mountpoint);
  // The loop returns the number of a signal that stopped it (a clean stop),
  // or a negative errno.
  return ret < 0 ? 1 : 0;
}

}  // namespace
}  // namespace antler::mount

int main(int argc, char** argv) { return antler::mount::run(argc, argv); }

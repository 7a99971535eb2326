// mfsmetalogger: follows the master's changelog into DATA_PATH, so that
// `mfsmaster -a` there can take over.
#include <sys/mman.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/daemon.h"
#include "common/log.h"
#include "common/net.h"
#include "daemons/metalogger/metalogger.h"
#include "daemons/metalogger/metalogger_settings.h"

using namespace antler;

namespace {

std::unique_ptr<ml::Metalogger> g_ml;
std::unique_ptr<metrics::Server> g_metrics;  // /metrics and /health (METRICS_LISTEN_PORT)

int start(const Config& cfg, const DaemonArgs&) {
  auto loaded = ml::load_metalogger_settings(cfg);
  if (!loaded) {
    log::error("{}", loaded.status().message());
    return 1;
  }
  ml::MetaloggerSettings s = *loaded;
  uint32_t bind_ip = 0;
  if (!s.bind_host.empty() && s.bind_host != "*" && !net::resolve_ipv4(s.bind_host, bind_ip)) {
    log::error("{}: BIND_HOST: cannot resolve '{}'", s.bind_host_origin, s.bind_host);
    return 1;
  }
  // After WORKING_USER took over: raising the priority needs root (or
  // CAP_SYS_NICE, or a systemd Nice=), lowering it never does.
  if (::setpriority(PRIO_PROCESS, 0, s.nice_level) < 0)
    log::warn("NICE_LEVEL {}: {} (the priority stays as it was)", s.nice_level, std::strerror(errno));
  if (s.lock_memory && ::mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
    log::warn("LOCK_MEMORY: mlockall: {} (memory stays unlocked)", std::strerror(errno));
  g_ml = std::make_unique<ml::Metalogger>(s, bind_ip);
  if (Status st = g_ml->open(); !st.ok()) {
    log::error("{}", st.message());
    return 1;
  }
  if (s.metrics_port != 0) {
    metrics::Server::Handlers h;
    h.collect = [] { return std::optional<metrics::Exposition>(g_ml->collect_metrics()); };
    h.health = [] { return g_ml->health(); };
    auto server = metrics::Server::start(s.metrics_host, s.metrics_port, "mfsmetalogger", std::move(h));
    if (!server) {
      log::error("{}", server.status().message());
      return 1;
    }
    g_metrics = std::move(*server);
    log::info("metrics on port {} (/metrics, /health)", g_metrics->port());
  }
  g_ml->start();
  log::info("following master {}:{} into {}", s.master_host, s.master_port, s.data_path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonSpec spec;
  spec.name = "mfsmetalogger";
  spec.default_config = "/etc/mfs/mfsmetalogger.cfg";
  spec.description =
      "Antler metadata logger: keeps a live copy of the master's changelog and images in DATA_PATH, from which "
      "'mfsmaster -a' can take over";
  spec.keys = ml::metalogger_keys();
  spec.start = start;
  spec.reload = [](const Config&) {
    log::info("reload: LOG_LEVEL applied; other metalogger settings take effect after a restart");
  };
  spec.stop = [] {
    if (g_ml) g_ml->stop();
  };
  spec.wait = [] {
    if (g_ml) g_ml->wait();
    g_metrics.reset();
  };
  return daemon_main(argc, argv, spec);
}

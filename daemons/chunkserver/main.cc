// mfschunkserver: stores chunk data on local disks for mfsmaster.
#include <memory>
#include <string>

#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/net.h"
#include "daemons/chunkserver/chunkserver_settings.h"
#include "daemons/chunkserver/service/cs_server.h"
#include "daemons/chunkserver/service/master_link.h"
#include "daemons/chunkserver/storage/background.h"
#include "daemons/chunkserver/storage/chunk_store.h"
#include "daemons/chunkserver/storage/hdd_config.h"

using namespace antler;

namespace {

struct App {
  std::unique_ptr<cs::ChunkStore> store;
  cs::TokenGate tokens;  // outlives server and link (declared first)
  std::unique_ptr<cs::CsServer> server;
  std::unique_ptr<cs::MasterLink> link;
  std::unique_ptr<cs::Background> background;
  std::unique_ptr<metrics::Server> metrics;  // /metrics and /health (METRICS_LISTEN_PORT)
  std::string master;                        // MASTER_HOST:MASTER_PORT, for /health
};
App g_app;

// Resolves an address setting; "" and "*" mean any (0).
bool resolve_host(const std::string& v, const char* key, const std::string& origin, uint32_t* ip) {
  *ip = 0;
  if (v.empty() || v == "*") return true;
  if (net::resolve_ipv4(v, *ip)) return true;
  log::error("{}: {}: cannot resolve '{}'", origin, key, v);
  return false;
}

// /metrics (docs/metrics.md): what the store, the server and the scrub keep,
// read on the metrics server's thread (each is safe from any thread).
metrics::Exposition collect_metrics() {
  metrics::Exposition e;
  e.gauge("antler_chunkserver_registered", "1 while registered with the master.", g_app.link->registered() ? 1 : 0);
  e.gauge("antler_chunkserver_operations_in_progress", "Client and replication operations being served now.",
          g_app.server->load());
  e.counter("antler_chunkserver_scrub_chunks_checked_total", "Chunks whose blocks the scrub re-read and checked.",
            static_cast<double>(g_app.background->chunks_checked()));
  e.counter("antler_chunkserver_scrub_damaged_chunks_total", "Damaged copies the scrub found (CRC or read errors).",
            static_cast<double>(g_app.background->damaged_found()));
  for (const cs::DiskState& d : g_app.store->disks()) {
    metrics::Labels l{{"disk", d.path}};
    auto n = [](uint64_t v) { return static_cast<double>(v); };
    e.gauge("antler_chunkserver_disk_total_bytes", "Space of the disk usable for chunks.", n(d.total), l);
    e.gauge("antler_chunkserver_disk_used_bytes", "Space used on the disk.", n(d.used), l);
    e.gauge("antler_chunkserver_disk_available_bytes", "Space left for chunks on the disk.", n(d.avail), l);
    e.gauge("antler_chunkserver_disk_chunks", "Chunks on the disk.", d.chunks, l);
    const char* kState =
        "The disk's state (1 for each that holds): failed (out of service), removal (marked *), "
        "full, move_out (<), move_in (>).";
    for (auto [name, on] : {std::pair{"failed", d.failed}, std::pair{"removal", d.removal}, std::pair{"full", d.full},
                            std::pair{"move_out", d.move_out}, std::pair{"move_in", d.move_in}})
      e.gauge("antler_chunkserver_disk_state", kState, on ? 1 : 0, {{"disk", d.path}, {"state", name}});
    e.counter("antler_chunkserver_disk_errors_total", "I/O errors seen on the disk.", n(d.errors), l);
    e.counter("antler_chunkserver_disk_read_bytes_total", "Chunk data read from the disk.", n(d.io.rbytes), l);
    e.counter("antler_chunkserver_disk_written_bytes_total", "Chunk data written to the disk.", n(d.io.wbytes), l);
    e.counter("antler_chunkserver_disk_reads_total", "Block reads from the disk.", n(d.io.rops), l);
    e.counter("antler_chunkserver_disk_writes_total", "Block writes to the disk.", n(d.io.wops), l);
    e.counter("antler_chunkserver_disk_fsyncs_total", "fsyncs of chunk files on the disk.", n(d.io.fsyncs), l);
    e.counter("antler_chunkserver_disk_read_seconds_total", "Time spent reading from the disk.", n(d.io.r_us) / 1e6, l);
    e.counter("antler_chunkserver_disk_write_seconds_total", "Time spent writing to the disk.", n(d.io.w_us) / 1e6, l);
    e.counter("antler_chunkserver_disk_fsync_seconds_total", "Time spent in fsync on the disk.", n(d.io.fsync_us) / 1e6,
              l);
  }
  return e;
}

// /health: registered with a master, and at least one disk in service.
metrics::Health health() {
  size_t in_service = 0, all = 0;
  for (const cs::DiskState& d : g_app.store->disks()) {
    all++;
    if (!d.failed) in_service++;
  }
  if (!g_app.link->registered()) return {false, "not registered with master " + g_app.master};
  if (in_service == 0) return {false, "no disk in service (" + std::to_string(all) + " failed)"};
  return {true, "registered with master " + g_app.master + "; " + std::to_string(in_service) + " of " +
                    std::to_string(all) + " disks in service"};
}

int start(const Config& cfg, const DaemonArgs&) {
  auto loaded = cs::load_chunkserver_settings(cfg);
  if (!loaded) {
    log::error("{}", loaded.status().message());
    return 1;
  }
  const cs::ChunkserverSettings& settings = *loaded;
  Result<std::vector<cs::DiskSpec>> disks = cs::load_hdd_config(settings.hdd_conf_filename);
  if (!disks) {
    log::error("{}", disks.status().message());
    return 1;
  }
  uint32_t listen_ip = 0, bind_ip = 0;
  if (!resolve_host(settings.listen_host, "CSSERV_LISTEN_HOST", settings.listen_host_origin, &listen_ip) ||
      !resolve_host(settings.bind_host, "BIND_HOST", settings.bind_host_origin, &bind_ip))
    return 1;

  g_app.store = std::make_unique<cs::ChunkStore>();
  cs::ChunkStore::Options sopts;
  sopts.leave_space_default = settings.leave_space_default;
  sopts.error_count = settings.error_tolerance_count;
  sopts.error_period_s = settings.error_tolerance_period_s;
  if (Status s = g_app.store->init(*disks, sopts); !s.ok()) {
    log::error("{}", s.message());
    return 1;
  }

  cs::CsServer::Options copts;
  copts.fsync_before_close = settings.fsync_before_close;
  copts.max_connections = settings.max_connections;
  copts.max_connections_per_ip = settings.max_connections_per_ip;
  g_app.server = std::make_unique<cs::CsServer>(*g_app.store, copts);
  g_app.server->set_token_gate(&g_app.tokens);
  uint16_t port = settings.listen_port;
  if (Status s = g_app.server->start(listen_ip, port); !s.ok()) {
    log::error("{} (CSSERV_LISTEN_HOST/CSSERV_LISTEN_PORT, {})", s.message(), settings.listen_port_origin);
    return 1;
  }
  log::info("listening for clients on {}:{}", listen_ip ? net::ip_to_string(listen_ip) : "*", port);

  cs::MasterLink::Options mopts;
  mopts.master_host = settings.master_host;
  mopts.master_port = settings.master_port;
  mopts.bind_ip = bind_ip;
  mopts.advertise_ip = listen_ip ? listen_ip : bind_ip;
  mopts.cs_port = port;
  mopts.reconnect_delay_s = settings.master_reconnection_delay_s;
  mopts.timeout_s = settings.master_timeout_s;
  mopts.label = settings.labels;
  if (auto ds = load_daemon_settings(cfg)) mopts.epoch_file = ds->data_path + "/.mfschunkserver.epoch";
  cs::CsServer* server = g_app.server.get();
  g_app.link = std::make_unique<cs::MasterLink>(*g_app.store, mopts, [server] { return server->load(); });
  cs::MasterLink* link = g_app.link.get();
  link->set_token_gate(&g_app.tokens);
  g_app.server->set_damage_reporter([link](uint64_t id) { link->report_damaged(id); });
  g_app.link->start();
  cs::Background::Options bopts;
  bopts.test_mib_per_s = settings.test_speed_mib_s * static_cast<double>(disks->size());
  bopts.rebalance_percent = settings.rebalance_utilization;
  g_app.background =
      std::make_unique<cs::Background>(*g_app.store, bopts, [link](uint64_t id) { link->report_damaged(id); });
  g_app.background->start();
  g_app.master = settings.master_host + ":" + std::to_string(settings.master_port);
  if (settings.metrics_port != 0) {
    metrics::Server::Handlers h;
    h.collect = [] { return std::optional<metrics::Exposition>(collect_metrics()); };
    h.health = health;
    auto server = metrics::Server::start(settings.metrics_host, settings.metrics_port, "mfschunkserver", std::move(h));
    if (!server) {
      log::error("{}", server.status().message());
      return 1;
    }
    g_app.metrics = std::move(*server);
    log::info("metrics on port {} (/metrics, /health)", g_app.metrics->port());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonSpec spec;
  spec.name = "mfschunkserver";
  spec.default_config = "/etc/mfs/mfschunkserver.cfg";
  spec.description = "Antler chunk server: stores chunk data for mfsmaster";
  spec.keys = cs::chunkserver_keys();
  spec.start = start;
  spec.reload = [](const Config&) {
    log::info("reload: LOG_LEVEL applied; other chunkserver settings take effect after a restart");
  };
  spec.stop = [] {
    if (g_app.link) g_app.link->stop();
    if (g_app.server) g_app.server->stop();
  };
  spec.wait = [] {
    g_app.metrics.reset();  // first: its threads read the rest
    g_app.background.reset();
    if (g_app.link) g_app.link->wait();
    if (g_app.server) g_app.server->wait();
    g_app.link.reset();
    g_app.server.reset();
    g_app.store.reset();
  };
  return daemon_main(argc, argv, spec);
}

// mfschunkserver: stores chunk data on local disks for mfsmaster.
#include <cstdlib>
#include <memory>
#include <string>

#include "common/daemon.h"
#include "common/log.h"
#include "common/net.h"
#include "daemons/chunkserver/storage/chunk_store.h"
#include "daemons/chunkserver/service/cs_server.h"
#include "daemons/chunkserver/storage/hdd_config.h"
#include "daemons/chunkserver/service/master_link.h"
#include "daemons/chunkserver/storage/background.h"

using namespace antler;

namespace {

struct App {
  std::unique_ptr<cs::ChunkStore> store;
  std::unique_ptr<cs::CsServer> server;
  std::unique_ptr<cs::MasterLink> link;
  std::unique_ptr<cs::Background> background;
};
App g_app;

// Resolves an address key; "" and "*" mean any (0).
bool resolve_key(const Config& cfg, const std::string& key, uint32_t* ip) {
  const std::string& v = cfg.str(key);
  *ip = 0;
  if (v.empty() || v == "*") return true;
  if (net::resolve_ipv4(v, *ip)) return true;
  log::error("{}: {}: cannot resolve '{}'", cfg.origin(key), key, v);
  return false;
}

int start(const Config& cfg, const DaemonArgs&) {
  int64_t leave = 0;
  if (!cs::parse_size(cfg.str("HDD_LEAVE_SPACE_DEFAULT"), leave) || leave < 0) {
    log::error("{}: HDD_LEAVE_SPACE_DEFAULT: '{}' is not a size (e.g. 256MiB)", cfg.origin("HDD_LEAVE_SPACE_DEFAULT"),
               cfg.str("HDD_LEAVE_SPACE_DEFAULT"));
    return 1;
  }
  double test_speed = 0;
  {
    const std::string& v = cfg.str("HDD_TEST_SPEED");
    char* end = nullptr;
    test_speed = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || test_speed < 0 || test_speed > 100000) {
      log::error("{}: HDD_TEST_SPEED: '{}' is not a speed in MiB/s (e.g. 1.5; 0 turns the scrub off)",
                 cfg.origin("HDD_TEST_SPEED"), v);
      return 1;
    }
  }
  Result<std::vector<cs::DiskSpec>> disks = cs::load_hdd_config(cfg.str("HDD_CONF_FILENAME"));
  if (!disks) {
    log::error("{}", disks.status().message());
    return 1;
  }
  uint32_t listen_ip = 0, bind_ip = 0;
  if (!resolve_key(cfg, "CSSERV_LISTEN_HOST", &listen_ip) || !resolve_key(cfg, "BIND_HOST", &bind_ip)) return 1;

  g_app.store = std::make_unique<cs::ChunkStore>();
  cs::ChunkStore::Options sopts;
  sopts.leave_space_default = static_cast<uint64_t>(leave);
  sopts.error_count = static_cast<uint32_t>(cfg.num("HDD_ERROR_TOLERANCE_COUNT"));
  sopts.error_period_s = static_cast<uint32_t>(cfg.num("HDD_ERROR_TOLERANCE_PERIOD"));
  if (Status s = g_app.store->init(*disks, sopts); !s.ok()) {
    log::error("{}", s.message());
    return 1;
  }

  cs::CsServer::Options copts;
  copts.fsync_before_close = cfg.flag("HDD_FSYNC_BEFORE_CLOSE");
  g_app.server = std::make_unique<cs::CsServer>(*g_app.store, copts);
  auto port = static_cast<uint16_t>(cfg.num("CSSERV_LISTEN_PORT"));
  if (Status s = g_app.server->start(listen_ip, port); !s.ok()) {
    log::error("{} (CSSERV_LISTEN_HOST/CSSERV_LISTEN_PORT, {})", s.message(), cfg.origin("CSSERV_LISTEN_PORT"));
    return 1;
  }
  log::info("listening for clients on {}:{}", listen_ip ? net::ip_to_string(listen_ip) : "*", port);

  cs::MasterLink::Options mopts;
  mopts.master_host = cfg.str("MASTER_HOST");
  mopts.master_port = static_cast<uint16_t>(cfg.num("MASTER_PORT"));
  mopts.bind_ip = bind_ip;
  mopts.advertise_ip = listen_ip ? listen_ip : bind_ip;
  mopts.cs_port = port;
  mopts.reconnect_delay_s = static_cast<int>(cfg.num("MASTER_RECONNECTION_DELAY"));
  mopts.timeout_s = static_cast<int>(cfg.num("MASTER_TIMEOUT"));
  mopts.label = cfg.str("LABELS");
  cs::CsServer* server = g_app.server.get();
  g_app.link = std::make_unique<cs::MasterLink>(*g_app.store, mopts, [server] { return server->load(); });
  cs::MasterLink* link = g_app.link.get();
  g_app.server->set_damage_reporter([link](uint64_t id) { link->report_damaged(id); });
  g_app.link->start();
  cs::Background::Options bopts;
  bopts.test_mib_per_s = test_speed * static_cast<double>(disks->size());
  bopts.rebalance_percent = static_cast<int>(cfg.num("HDD_REBALANCE_UTILIZATION"));
  g_app.background = std::make_unique<cs::Background>(*g_app.store, bopts,
                                                      [link](uint64_t id) { link->report_damaged(id); });
  g_app.background->start();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  DaemonSpec spec;
  spec.name = "mfschunkserver";
  spec.default_config = "/etc/mfs/mfschunkserver.cfg";
  spec.description = "Antler chunk server: stores chunk data for mfsmaster";
  spec.keys = {
      {"HDD_CONF_FILENAME", KeyDef::kString, "/etc/mfs/mfshdd.cfg"},
      {"MASTER_HOST", KeyDef::kString, "mfsmaster"},
      {"MASTER_PORT", KeyDef::kInt, "9420", 1, 65535},
      {"BIND_HOST", KeyDef::kString, ""},
      {"CSSERV_LISTEN_HOST", KeyDef::kString, "*"},
      {"CSSERV_LISTEN_PORT", KeyDef::kInt, "9422", 1, 65535},
      {"MASTER_RECONNECTION_DELAY", KeyDef::kInt, "5", 1, 3600},
      {"MASTER_TIMEOUT", KeyDef::kInt, "10", 1, 3600},
      {"HDD_LEAVE_SPACE_DEFAULT", KeyDef::kString, "256MiB"},
      {"LABELS", KeyDef::kString, ""},
      {"HDD_FSYNC_BEFORE_CLOSE", KeyDef::kBool, "0"},
      {"HDD_TEST_SPEED", KeyDef::kString, "1"},
      {"HDD_REBALANCE_UTILIZATION", KeyDef::kInt, "20", 0, 100},
      {"HDD_ERROR_TOLERANCE_COUNT", KeyDef::kInt, "2", 0, 1000000},
      {"HDD_ERROR_TOLERANCE_PERIOD", KeyDef::kInt, "600", 1, 86400 * 365},
  };
  spec.start = start;
  spec.reload = [](const Config&) {
    log::info("reload: LOG_LEVEL applied; other chunkserver settings take effect after a restart");
  };
  spec.stop = [] {
    if (g_app.link) g_app.link->stop();
    if (g_app.server) g_app.server->stop();
  };
  spec.wait = [] {
    g_app.background.reset();
    if (g_app.link) g_app.link->wait();
    if (g_app.server) g_app.server->wait();
    g_app.link.reset();
    g_app.server.reset();
    g_app.store.reset();
  };
  return daemon_main(argc, argv, spec);
}

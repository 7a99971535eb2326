#include "daemons/master/master.h"

#include <random>

#include "common/log.h"
#include "common/net.h"

namespace antler::master {

namespace {

class ClientListener : public Listener {
 public:
  explicit ClientListener(Master& m) : m_(m) {}
  void on_open(const LinkPtr&) override {}
  bool on_frame(const LinkPtr& l, uint32_t type, std::string_view p) override { return m_.on_client_frame(l, type, p); }
  void on_close(const LinkPtr& l) override { m_.on_client_close(l); }
  uint32_t max_frame() const override { return 1u << 20; }
  const char* what() const override { return "client"; }

 private:
  Master& m_;
};

class CsListener : public Listener {
 public:
  explicit CsListener(Master& m) : m_(m) {}
  void on_open(const LinkPtr&) override {}
  bool on_frame(const LinkPtr& l, uint32_t type, std::string_view p) override { return m_.on_cs_frame(l, type, p); }
  void on_close(const LinkPtr& l) override { m_.on_cs_close(l); }
  uint32_t max_frame() const override { return 64u << 20; }  // registration lists every chunk
  const char* what() const override { return "chunkserver"; }

 private:
  Master& m_;
};

// Metaloggers (9419): handshake only, until the metalogger protocol lands.
class MlListener : public Listener {
 public:
  explicit MlListener(Master& m) : m_(m) {}
  void on_open(const LinkPtr&) override {}
  bool on_frame(const LinkPtr& l, uint32_t type, std::string_view p) override {
    msg::Hello h;
    if (type != msg::Hello::kType || !net::decode(p, h)) {
      log::warn("metalogger {}: expected a handshake, got message type {} ({} bytes): closing connection", l->peer,
                type, p.size());
      return false;
    }
    l->send(net::frame(msg::HelloReply{St::kNotSup, msg::kProtocolVersion, 0,
                                       m_.fs().cluster_id(), m_.fs().version(), "metalogger protocol not served yet"}));
    return true;
  }
  void on_close(const LinkPtr&) override {}
  uint32_t max_frame() const override { return 1u << 16; }
  const char* what() const override { return "metalogger"; }

 private:
  Master& m_;
};

}  // namespace

std::vector<KeyDef> master_config_keys() {
  return {
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
}

Master::Master(const Config& c)
    : cfg_(c), store_(fs_, c.str("DATA_PATH"), static_cast<int>(c.num("BACK_LOGS"))) {}

Master::~Master() = default;

int Master::start(bool autorecover) {
  int rc = open(autorecover);
  return rc != 0 ? rc : serve();
}

int Master::open(bool autorecover) {
  std::string error;
  LoopSettings loop_settings;
  PlacementSettings placement;
  if (!load_loop_settings(cfg_, &loop_settings, &error) || !load_placement_settings(cfg_, &placement, &error)) {
    log::error("{}", error);
    return 1;
  }
  chunk_loop_.set_settings(loop_settings);
  chunks_.set_settings(placement);
  auto ex = Exports::load(cfg_.str("EXPORTS_FILENAME"), &error);
  if (!ex) {
    log::error("{}", error);
    return 1;
  }
  exports_ = std::move(*ex);
  auto topo = Topology::load(cfg_.str("TOPOLOGY_FILENAME"), &error);
  if (!topo) {
    log::error("{}", error);
    return 1;
  }
  topology_ = std::move(*topo);
  std::random_device rd;
  uint64_t cluster = (uint64_t(rd()) << 32) | rd();
  if (!store_.open(autorecover, cluster, static_cast<uint8_t>(cfg_.num("DEFAULT_GOAL")),
                  static_cast<uint32_t>(cfg_.num("DEFAULT_TRASHTIME")), &error)) {
    log::error("{}", error);
    return 1;
  }
  // Sessions do not survive a master restart: files that stayed only
  // because they were open go now.
  for (uint32_t ino : fs_.sustained()) commit(OpPurge{ino});
  return 0;
}

int Master::serve() {
  std::string error;
  client_listener_ = std::make_unique<ClientListener>(*this);
  cs_listener_ = std::make_unique<CsListener>(*this);
  ml_listener_ = std::make_unique<MlListener>(*this);
  auto port = [&](const char* k) { return static_cast<uint16_t>(cfg_.num(k)); };
  if (!loop_.listen(cfg_.str("MATOCL_LISTEN_HOST"), port("MATOCL_LISTEN_PORT"), client_listener_.get(), &error) ||
      !loop_.listen(cfg_.str("MATOCS_LISTEN_HOST"), port("MATOCS_LISTEN_PORT"), cs_listener_.get(), &error) ||
      !loop_.listen(cfg_.str("MATOML_LISTEN_HOST"), port("MATOML_LISTEN_PORT"), ml_listener_.get(), &error)) {
    log::error("{}", error);
    return 1;
  }
  started_ms_ = last_save_ms_ = loop_.now_ms();
  chunk_loop_.set_started(started_ms_);
  lock_grace_until_ms_ = started_ms_ + kLockGraceMs;
  loop_.after(kLockGraceMs, [this] {
    lock_grace_until_ms_ = 0;
    auto deferred = std::move(lock_deferred_);
    lock_deferred_.clear();
    for (auto& d : deferred)
      if (d.link->open() && !on_client_frame(d.link, d.type, d.payload)) d.link->close("bad deferred lock request");
  });
  log::info("serving clients on port {}, chunkservers on {}, metaloggers on {}; metadata version {}",
            cfg_.num("MATOCL_LISTEN_PORT"), cfg_.num("MATOCS_LISTEN_PORT"), cfg_.num("MATOML_LISTEN_PORT"), fs_.version());
  loop_.after(1000, [this] { tick(); });
  return 0;
}

void Master::tick() {
  store_.poll_background();
  int64_t now = loop_.now_ms();
  chunks_.expire_leases(now);
  maintenance_tick();
  chunk_loop_.step();
  expire_trash();
  lock_tick();
  if (now - last_save_ms_ >= cfg_.num("METADATA_SAVE_FREQ") * 3600 * 1000) {
    if (store_.save_in_background()) last_save_ms_ = now;
  }
  loop_.after(1000, [this] { tick(); });
}

void Master::run() { loop_.run(); }

void Master::request_stop() {
  loop_.post([this] {
    std::string error;
    // Refused once the store has failed (Store::save_now says why).
    if (!store_.save_now(&error)) log::error("final metadata save failed: {}", error);
    else log::info("metadata saved (version {})", fs_.version());
    loop_.stop();
  });
}

void Master::reload(const Config& c) {
  loop_.post([this, c] {
    cfg_ = c;
    std::string error;
    LoopSettings loop_settings;
    PlacementSettings placement;
    if (!load_loop_settings(cfg_, &loop_settings, &error) || !load_placement_settings(cfg_, &placement, &error)) {
      log::error("{}; chunk loop settings not changed", error);
    } else {
      chunk_loop_.set_settings(loop_settings);
      chunks_.set_settings(placement);
    }
    auto ex = Exports::load(cfg_.str("EXPORTS_FILENAME"), &error);
    if (!ex) {
      log::error("exports not reloaded: {}", error);
      return;
    }
    exports_ = std::move(*ex);
    log::info("exports reloaded: {} rules (new sessions use them)", exports_.size());
    auto topo = Topology::load(cfg_.str("TOPOLOGY_FILENAME"), &error);
    if (!topo) {
      log::error("topology not reloaded: {}", error);
      return;
    }
    topology_ = std::move(*topo);
    log::info("topology reloaded: {} lines", topology_.size());
  });
}

}  // namespace antler::master

#include "daemons/master/master.h"

#include <random>

#include <fmt/format.h>

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

// Metaloggers (9419): MlFeed.
class MlListener : public Listener {
 public:
  explicit MlListener(MlFeed& f) : f_(f) {}
  void on_open(const LinkPtr&) override {}
  bool on_frame(const LinkPtr& l, uint32_t type, std::string_view p) override { return f_.on_frame(l, type, p); }
  void on_close(const LinkPtr& l) override { f_.on_close(l); }
  uint32_t max_frame() const override { return 1u << 16; }
  const char* what() const override { return "metalogger"; }

 private:
  MlFeed& f_;
};

}  // namespace

Master::Master(const MasterSettings& s)
    : settings_(s), store_(fs_, s.data_path, s.back_logs), ml_feed_(std::make_unique<MlFeed>(loop_, fs_, s.data_path)) {
  store_.set_line_sink([this](uint64_t v, const std::string& line) { ml_feed_->on_line(v, line); });
  commander_.set_gate([this](std::function<void()> fn) { when_synced(std::move(fn)); });
  ml_feed_->set_on_acks([this] { sync_.update(ml_feed_->acked(), fs_.version(), loop_.now_ms()); });
  ml_feed_->set_epoch_check([this](const msg::Hello& h, const LinkPtr& l, const char* what, msg::HelloReply* r) {
    return hello_epoch(h, l, what, r);
  });
}

void Master::apply_sync_settings() {
  SyncGate::Settings g;
  g.n = settings_.sync_metaloggers;
  g.timeout_ms = settings_.sync_metaloggers_timeout_s * 1000;
  g.serve = settings_.sync_metaloggers_serve;
  sync_.set(g, loop_.now_ms());
  ml_feed_->set_sync(g.n > 0);
}

Master::~Master() = default;

int Master::start(bool autorecover) {
  int rc = open(autorecover);
  return rc != 0 ? rc : serve();
}

int Master::open(bool autorecover) {
  chunk_loop_.set_settings(settings_.loop);
  chunks_.set_settings(settings_.placement);
  tokens_.set(settings_.chunk_tokens, settings_.chunk_token_rotation_s * 1000);
  auto ex = Exports::load(settings_.exports_filename);
  if (!ex) {
    log::error("{}", ex.status().message());
    return 1;
  }
  exports_ = std::move(*ex);
  auto topo = Topology::load(settings_.topology_filename);
  if (!topo) {
    log::error("{}", topo.status().message());
    return 1;
  }
  topology_ = std::move(*topo);
  std::random_device rd;
  uint64_t cluster = (uint64_t(rd()) << 32) | rd();
  uint64_t epoch_id = (uint64_t(rd()) << 32) | rd() | 1;
  if (Status s = store_.open(autorecover, cluster, settings_.default_goal, settings_.default_trashtime, epoch_id);
      !s.ok()) {
    log::error("{}", s.message());
    return 1;
  }
  apply_sync_settings();
  // Sessions do not survive a master restart: files that stayed only
  // because they were open go now.
  for (uint32_t ino : fs_.sustained()) commit(OpPurge{ino});
  return 0;
}

int Master::restore() {
  if (int rc = open(true); rc != 0) return rc;
  if (Status s = store_.wait_for_save(); !s.ok()) {
    log::error("restore: {}", s.message());
    return 1;
  }
  log::info("restore: metadata version {} written to {}/metadata.mfs", fs_.version(), settings_.data_path);
  return 0;
}

bool Master::hello_epoch(const msg::Hello& h, const LinkPtr& link, const char* what, msg::HelloReply* r) {
  r->epoch = fs_.epoch();
  r->epoch_id = fs_.epoch_id();
  if (h.epoch > fs_.epoch()) {
    r->status = St::kPerm;
    r->message = fmt::format("this master has cluster epoch {}, older than the epoch {} this {} has seen: it is stale",
                             fs_.epoch(), h.epoch, what);
    // Port 9421 takes anyone the network lets through, before any export
    // check: a mount's or a tool's claim only gets it refused. Chunkservers
    // and metaloggers (9420, 9419: cluster hosts) make the master step down.
    if (h.role != msg::kRoleChunkserver && h.role != msg::kRoleMetalogger) {
      log::warn("{} {} claims cluster epoch {} (this master has {}): refused", what, link->peer, h.epoch, fs_.epoch());
      return false;
    }
    step_down(
        fmt::format("{} {} has seen cluster epoch {} ({:016x}); this master has epoch {}: another master was "
                    "promoted after this one",
                    what, link->peer, h.epoch, h.epoch_id, fs_.epoch()));
    return false;
  }
  if (h.epoch == fs_.epoch() && h.epoch != 0 && h.epoch_id != fs_.epoch_id()) {
    r->status = St::kPerm;
    r->message = fmt::format("this {} follows another master of cluster epoch {} ({:016x}; this one is {:016x})", what,
                             h.epoch, h.epoch_id, fs_.epoch_id());
    log::error(
        "{} {} refused: it follows another master promoted at the same epoch {} ({:016x}, this master "
        "{:016x}): two masters were promoted from the same metadata; keep one",
        what, link->peer, h.epoch, h.epoch_id, fs_.epoch_id());
    return false;
  }
  return true;
}

void Master::step_down(const std::string& why) {
  if (stepped_down_) return;
  stepped_down_ = true;
  log::error(
      "{}: this master steps down: it refuses every change from now on and stops without saving its metadata "
      "(exit status 3). Its DATA_PATH is stale: make this host a metalogger of the new master",
      why);
  if (step_down_hook_) step_down_hook_();
}

void Master::apply_limits() {
  Loop::Limits l;
  l.max_connections = settings_.max_connections;
  l.max_connections_per_ip = settings_.max_connections_per_ip;
  loop_.set_limits(l);
}

int Master::serve() {
  apply_limits();
  client_listener_ = std::make_unique<ClientListener>(*this);
  cs_listener_ = std::make_unique<CsListener>(*this);
  ml_listener_ = std::make_unique<MlListener>(*ml_feed_);
  const MasterSettings& s = settings_;
  Status listening = loop_.listen(s.matocl_host, s.matocl_port, client_listener_.get());
  if (listening.ok()) listening = loop_.listen(s.matocs_host, s.matocs_port, cs_listener_.get());
  if (listening.ok()) listening = loop_.listen(s.matoml_host, s.matoml_port, ml_listener_.get());
  if (listening.ok()) listening = start_metrics();
  if (!listening.ok()) {
    log::error("{}", listening.message());
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
  log::info("serving clients on port {}, chunkservers on {}, metaloggers on {}; metadata version {}", s.matocl_port,
            s.matocs_port, s.matoml_port, fs_.version());
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
  expire_sessions();
  rotate_token_key();
  ml_feed_->tick();
  sync_.tick(now);
  if (now - last_save_ms_ >= settings_.metadata_save_freq_h * 3600 * 1000) {
    if (store_.save_in_background()) last_save_ms_ = now;
  }
  loop_.after(1000, [this] { tick(); });
}

void Master::rotate_token_key() {
  if (!tokens_.rotate(loop_.now_ms())) return;
  commander_.broadcast(net::frame(msg::CsTokenKey{tokens_.new_key()}));
}

void Master::run() { loop_.run(); }

void Master::request_stop() {
  loop_.post([this] {
    // Refused once the store has failed (Store::save_now says why).
    if (stepped_down_) log::warn("stale master (stepped down): metadata not saved");
    else if (Status s = store_.save_now(); !s.ok()) log::error("final metadata save failed: {}", s.message());
    else log::info("metadata saved (version {})", fs_.version());
    loop_.stop();
  });
}

void Master::reload(const Config& c) {
  loop_.post([this, c] {
    Status loop_error;
    auto fresh = reload_master_settings(c, settings_, &loop_error);
    if (!fresh) {
      log::error("reload refused, keeping the running configuration: {}", fresh.status().message());
      return;
    }
    settings_ = std::move(*fresh);
    apply_limits();
    apply_sync_settings();
    if (!loop_error.ok()) {
      log::error("{}; chunk loop settings not changed", loop_error.message());
    } else {
      chunk_loop_.set_settings(settings_.loop);
      chunks_.set_settings(settings_.placement);
    }
    auto ex = Exports::load(settings_.exports_filename);
    if (!ex) {
      log::error("exports not reloaded: {}", ex.status().message());
      return;
    }
    exports_ = std::move(*ex);
    log::info("exports reloaded: {} rules (new sessions use them)", exports_.size());
    auto topo = Topology::load(settings_.topology_filename);
    if (!topo) {
      log::error("topology not reloaded: {}", topo.status().message());
      return;
    }
    topology_ = std::move(*topo);
    log::info("topology reloaded: {} lines", topology_.size());
  });
}

}  // namespace antler::master

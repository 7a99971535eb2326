// mfscli's side of the master (docs/protocol.md, "mfscli"): master and
// chunkserver state for monitoring, and the chunkserver commands
// (maintenance mode, removal of a disconnected server). Also the
// maintenance-mode rules that are not the chunk loop's: timeouts and the
// temporary mode of a server that stops cleanly.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <tuple>
#include <unordered_map>

#include "common/log.h"
#include "common/msg/metalogger.h"
#include "common/net.h"
#include "daemons/master/master.h"

namespace antler::master {

namespace {

uint64_t micros(const timeval& t) { return uint64_t(t.tv_sec) * 1000000 + uint64_t(t.tv_usec); }

const char* maintenance_name(uint8_t m) {
  return m == msg::kMaintenanceOn ? "on" : m == msg::kMaintenanceTemp ? "temporary" : "off";
}

using Matrix = std::map<std::pair<uint8_t, uint32_t>, uint64_t>;

std::vector<msg::ChunkMatrixCell> cells(const Matrix& m) {
  std::vector<msg::ChunkMatrixCell> out;
  for (const auto& [k, n] : m) out.push_back({k.first, k.second, n});
  return out;
}

}  // namespace

// Answers mfscli's requests (a friend of Master, as every handler class).
class CliOps {
 public:
  CliOps(Master& m, const LinkPtr& link) : m_(m), link_(link) {}

  void info(const msg::CliInfo& q) {
    msg::CliInfoReply r;
    r.req = q.req;
    r.version = ANTLER_VERSION;
    r.ram_bytes = metrics::process_memory().resident_bytes;
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    r.cpu_user_us = micros(ru.ru_utime);
    r.cpu_sys_us = micros(ru.ru_stime);
    r.uptime_ms = static_cast<uint64_t>(m_.loop_.now_ms() - m_.started_ms_);
    for (const auto& [id, s] : m_.chunks_.servers()) {
      if (!s.connected()) continue;
      r.total_space += s.total;
      r.avail_space += s.total > s.used ? s.total - s.used : 0;
    }
    const Fs& fs = m_.fs_;
    r.trash_space = fs.trash_bytes();
    r.trash_files = fs.trash().size();
    for (uint32_t ino : fs.sustained()) {
      r.sustained_files++;
      if (const Node* n = fs.node(ino)) r.sustained_space += fs.attr(*n).size;
    }
    r.fs_objects = fs.node_count();
    if (const Node* root = fs.node(kRootInode)) {
      Usage u = fs.usage(*root);
      r.directories = u.dirs;
      r.files = u.files;
    }
    // As MooseFS counts them: files in the trash and sustained files too.
    r.files += r.trash_files + r.sustained_files;
    r.chunks = fs.chunks().size();
    const Store::LastSave& ls = m_.store_.last_save();
    r.last_save_s = ls.end_s;
    r.last_save_ms = ls.ms;
    r.last_save_status = ls.end_s == 0 || ls.ok ? St::kOk : St::kIO;
    r.meta_version = fs.version();
    r.meta_store_error = m_.store_.failure();
    // Copies as they stand now (not as the chunk loop last counted them):
    // valid copies on connected servers, with and without those on disks
    // marked for removal.
    Matrix all, regular;
    for (const auto& [id, meta] : fs.chunks()) {
      uint32_t n_all = 0, n_regular = 0;
      if (const std::vector<Copy>* list = m_.chunks_.copies(id)) {
        for (const Copy& c : *list) {
          if (c.version != meta.version || !m_.chunks_.server_up(c.cs)) continue;
          n_all++;
          if (!c.removal) n_regular++;
        }
      }
      all[{meta.goal, n_all}]++;
      regular[{meta.goal, n_regular}]++;
      if (n_all != n_regular) r.to_be_removed++;
      r.all_copies += n_all;
      r.regular_copies += n_regular;
    }
    // Chunks no file uses, whose copies wait for deletion: goal 0.
    std::map<uint64_t, uint32_t> doomed;
    for (const auto& [cs, q] : m_.chunk_loop_.deletions())
      for (const Deletion& d : q)
        if (d.why == DelWhy::kOrphan && !fs.chunk(d.chunk)) doomed[d.chunk]++;
    for (const auto& [id, n] : doomed) {
      all[{0, n}]++;
      regular[{0, n}]++;
    }
    r.all = cells(all);
    r.regular = cells(regular);
    link_->send(net::frame(r));
  }

  void metaloggers(const msg::CliMetaloggers& q) {
    msg::CliMetaloggersReply r;
    r.req = q.req;
    r.master_version = m_.fs_.version();
    int64_t now = m_.loop_.now_ms(), wall = ::time(nullptr);
    for (const MlFeed::PeerInfo& p : m_.ml_feed_->peers()) {
      msg::CliMetalogger c;
      c.loc = {p.ip, p.port};
      c.version = p.version;
      c.acked = p.acked;
      c.image_version = p.image_version;
      c.image_age_s = p.image_time_s ? std::max<int64_t>(0, wall - p.image_time_s) : -1;
      c.connected_s = static_cast<uint64_t>(std::max<int64_t>(0, now - p.since_ms) / 1000);
      c.following = p.live;
      c.sync = m_.sync_.counted(p.acked);
      r.metaloggers.push_back(std::move(c));
    }
    SyncGate::Stats g = m_.sync_stats();
    r.sync = {static_cast<uint8_t>(g.mode),
              g.n,
              g.synced,
              g.held,
              g.oldest_wait_ms,
              g.released_total,
              g.wait_us_total,
              g.refused_total,
              g.fallbacks_total};
    link_->send(net::frame(r));
  }

  void servers(const msg::CliServers& q) {
    msg::CliServersReply r;
    r.req = q.req;
    int64_t now = m_.loop_.now_ms();
    int64_t timeout_on = m_.settings_.cs_maintenance_mode_timeout_s;
    int64_t timeout_temp = m_.settings_.cs_temp_maintenance_mode_timeout_s;
    for (const auto& [id, s] : m_.chunks_.servers()) {
      msg::CliServer c;
      c.id = id;
      c.loc = s.loc;
      c.connected = s.connected();
      c.label = s.label;
      c.version = s.version;
      c.maintenance = s.maintenance;
      int64_t limit = s.maintenance == msg::kMaintenanceOn     ? timeout_on
                      : s.maintenance == msg::kMaintenanceTemp ? timeout_temp
                                                               : 0;
      if (limit > 0) c.maintenance_left_s = std::max<int64_t>(0, limit - (now - s.maintenance_ms) / 1000);
      c.load = s.load;
      c.used = s.used;
      c.total = s.total;
      c.chunks = s.chunk_count;
      for (const msg::CsDisk& d : s.disks) {
        if (!(d.flags & msg::kDiskRemoval)) continue;
        c.removal_chunks += d.chunks;
        c.removal_used += d.used;
        c.removal_total += d.total;
      }
      // (The heartbeat's used and total leave removal disks out already;
      // its chunk count does not.)
      c.chunks = c.chunks >= c.removal_chunks ? c.chunks - c.removal_chunks : 0;
      if (c.removal_chunks) c.removal_status = m_.chunk_loop_.removal_status(s);
      if (!c.connected) c.disconnected_s = (now - s.disconnected_ms) / 1000;
      c.disks = s.disks;
      r.servers.push_back(std::move(c));
    }
    std::sort(r.servers.begin(), r.servers.end(), [](const msg::CliServer& a, const msg::CliServer& b) {
      return std::pair(a.loc.ip, a.loc.port) < std::pair(b.loc.ip, b.loc.port);
    });
    link_->send(net::frame(r));
  }

  void missing(const msg::CliMissing& q) {
    msg::CliMissingReply r;
    r.req = q.req;
    const Fs& fs = m_.fs_;
    // Chunks with no valid copy on a connected server: none at all, or
    // only copies of other versions.
    std::unordered_map<uint64_t, uint8_t> gone;
    for (const auto& [id, meta] : fs.chunks()) {
      bool valid = false, other = false;
      if (const std::vector<Copy>* list = m_.chunks_.copies(id)) {
        for (const Copy& c : *list)
          if (m_.chunks_.server_up(c.cs)) (c.version == meta.version ? valid : other) = true;
      }
      if (!valid) gone[id] = other ? msg::kMissingWrongVersions : msg::kMissingNoCopy;
    }
    // The files using them (a walk of every inode, only when some are missing).
    if (!gone.empty()) {
      for (const auto& entry : fs.nodes()) {
        uint32_t ino = entry.first;
        const Node& n = entry.second;
        if (n.type != msg::kFile) continue;
        n.chunks.for_each([&](uint64_t i, uint64_t id) {
          auto g = gone.find(id);
          if (g == gone.end()) return;
          msg::MissingChunk c{g->first, ino, static_cast<uint32_t>(i), g->second, {}};
          if (auto t = fs.trash().find(ino); t != fs.trash().end()) c.paths.push_back("./trash/" + t->second.path);
          else if (n.nlink == 0) c.paths.push_back("./sustained/" + std::to_string(ino));
          else
            for (const std::string& p : fs.paths(n)) c.paths.push_back("/" + p);
          r.missing.push_back(std::move(c));
        });
      }
    }
    std::sort(r.missing.begin(), r.missing.end(), [](const msg::MissingChunk& a, const msg::MissingChunk& b) {
      return std::tie(a.paths, a.inode, a.index) < std::tie(b.paths, b.inode, b.index);
    });
    link_->send(net::frame(r));
  }

  void command(const msg::CliCommand& q) {
    msg::CliCommandReply r;
    r.req = q.req;
    auto answer = [&](St st, std::string message) {
      r.status = st;
      r.message = std::move(message);
      link_->send(net::frame(r));
    };
    std::string where = net::to_string(q.loc);
    if (!admin_address(link_->peer_ip))
      return answer(St::kPerm, "no rule of " + m_.settings_.exports_filename +
                                   " with 'admin' (and no password) admits " + net::ip_to_string(link_->peer_ip));
    ChunkServer* sp = m_.chunks_.find_server(q.loc);
    if (!sp) return answer(St::kNoEnt, "chunkserver " + where + " is not known to the master");
    ChunkServer& s = *sp;
    const uint32_t id = s.id;
    int64_t now = m_.loop_.now_ms();
    switch (q.command) {
      case msg::kCliMaintenanceOn:
        if (s.maintenance != msg::kMaintenanceOn) {
          s.maintenance = msg::kMaintenanceOn;
          s.maintenance_ms = now;
          log::info("chunkserver {}: maintenance mode on (mfscli from {}){}", where, link_->peer,
                    s.connected() ? "" : "; its copies are kept while it is away");
        }
        return answer(St::kOk, "chunkserver " + where + " is in maintenance mode");
      case msg::kCliMaintenanceOff:
        if (s.maintenance != msg::kMaintenanceOff) {
          log::info("chunkserver {}: maintenance mode ({}) off (mfscli from {}){}", where,
                    maintenance_name(s.maintenance), link_->peer,
                    s.connected() ? "" : "; it is away, so its chunks are replaced elsewhere now");
          s.maintenance = msg::kMaintenanceOff;
          s.swept = false;  // away: its chunks are checked at the next chunk loop step
        }
        return answer(St::kOk, "chunkserver " + where + " is in standard mode");
      case msg::kCliRemoveServer: {
        if (s.connected())
          return answer(St::kAgain, "chunkserver " + where +
                                        " is connected; stop it first (only a disconnected "
                                        "server can be removed from the list)");
        std::vector<uint64_t> ids = m_.chunks_.remove_server(id);
        ChunkCounts scratch;  // the chunk loop's walk counts them again
        m_.chunk_loop_.recheck(ids, &scratch);
        log::info(
            "chunkserver {} removed from the list (mfscli from {}); its {} copies are forgotten, {} chunks "
            "queued for replication",
            where, link_->peer, ids.size(), scratch.under_goal);
        return answer(St::kOk, "chunkserver " + where + " has been removed");
      }
      default: return answer(St::kInval, "unknown command " + std::to_string(q.command));
    }
  }

 private:
  // A rule of mfsexports.cfg with `admin` and no password admits ip.
  bool admin_address(uint32_t ip) const {
    for (const ExportRule& r : m_.exports_.rules())
      if (r.admin && r.password_md5.empty() && ip >= r.ip_from && ip <= r.ip_to) return true;
    return false;
  }

  Master& m_;
  LinkPtr link_;
};

namespace {

template <class M, class F>
bool handle(const LinkPtr& link, std::string_view payload, F f) {
  M m;
  if (!net::decode(payload, m)) {
    log::warn("mfscli {}: undecodable message type {} ({} bytes): closing connection", link->peer, M::kType,
              payload.size());
    return false;
  }
  f(m);
  return true;
}

}  // namespace

bool Master::on_cli_frame(const LinkPtr& link, uint32_t type, std::string_view payload) {
  CliOps ops(*this, link);
  switch (type) {
    case msg::CliInfo::kType: return handle<msg::CliInfo>(link, payload, [&](auto& m) { ops.info(m); });
    case msg::CliServers::kType: return handle<msg::CliServers>(link, payload, [&](auto& m) { ops.servers(m); });
    case msg::CliCommand::kType: return handle<msg::CliCommand>(link, payload, [&](auto& m) { ops.command(m); });
    case msg::CliMissing::kType: return handle<msg::CliMissing>(link, payload, [&](auto& m) { ops.missing(m); });
    case msg::CliMetaloggers::kType:
      return handle<msg::CliMetaloggers>(link, payload, [&](auto& m) { ops.metaloggers(m); });
    default:
      log::warn("mfscli {}: message type {} is not an mfscli request: closing connection", link->peer, type);
      return false;
  }
}

void Master::cs_stopping(uint32_t cs) {
  ChunkServer* sp = chunks_.server(cs);
  if (!sp) return;
  ChunkServer& s = *sp;
  if (s.maintenance != msg::kMaintenanceOff) {
    log::info("chunkserver {} is stopping (maintenance mode {})", net::to_string(s.loc),
              maintenance_name(s.maintenance));
    return;
  }
  s.maintenance = msg::kMaintenanceTemp;
  s.maintenance_ms = loop_.now_ms();
  log::info(
      "chunkserver {} is stopping cleanly: temporary maintenance mode, its copies are kept for up to {} s "
      "(CS_TEMP_MAINTENANCE_MODE_TIMEOUT)",
      net::to_string(s.loc), settings_.cs_temp_maintenance_mode_timeout_s);
}

void Master::maintenance_tick() {
  int64_t now = loop_.now_ms();
  chunks_.for_each_server([&](ChunkServer& s) {
    if (s.maintenance == msg::kMaintenanceOff) return;
    bool on = s.maintenance == msg::kMaintenanceOn;
    const char* key = on ? "CS_MAINTENANCE_MODE_TIMEOUT" : "CS_TEMP_MAINTENANCE_MODE_TIMEOUT";
    int64_t limit = on ? settings_.cs_maintenance_mode_timeout_s : settings_.cs_temp_maintenance_mode_timeout_s;
    if (limit <= 0 || now - s.maintenance_ms < limit * 1000) return;
    log::warn("chunkserver {}: maintenance mode ({}) ended after {} s ({}){}", net::to_string(s.loc),
              maintenance_name(s.maintenance), limit, key,
              s.connected() ? "" : "; it is still away, so its chunks are replaced elsewhere now");
    s.maintenance = msg::kMaintenanceOff;
    s.swept = false;
  });
}

}  // namespace antler::master

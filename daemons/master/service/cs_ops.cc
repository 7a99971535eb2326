// Chunkserver connections: handshake, registration, heartbeats, command
// replies, damage reports.
#include <algorithm>
#include <set>

#include "common/log.h"
#include "common/net.h"
#include "daemons/master/master.h"

namespace antler::master {

namespace {
struct CsCtx {
  bool hello = false;
  uint32_t cs = 0;  // 0 until registered
};
}  // namespace

void Master::send(uint32_t cs, const CsCommand& cmd, Done done) {
  std::visit([&](const auto& m) { cs_command(cs, m, std::move(done)); }, cmd);
}

void Master::cs_gather(std::vector<std::pair<uint32_t, std::function<void(OpDone)>>> ops,
                       std::function<void(std::vector<uint32_t>)> done) {
  struct State {
    size_t left;
    std::vector<int> ok;
    std::vector<uint32_t> ids;
    std::function<void(std::vector<uint32_t>)> done;
  };
  auto s = std::make_shared<State>();
  s->left = ops.size();
  s->ok.assign(ops.size(), 0);
  for (auto& o : ops) s->ids.push_back(o.first);
  s->done = std::move(done);
  if (ops.empty()) {
    s->done({});
    return;
  }
  for (size_t i = 0; i < ops.size(); i++) {
    ops[i].second([s, i](St st, uint32_t) {
      s->ok[i] = st == St::kOk;
      if (--s->left == 0) {
        std::vector<uint32_t> good;
        for (size_t j = 0; j < s->ids.size(); j++)
          if (s->ok[j]) good.push_back(s->ids[j]);
        s->done(std::move(good));
      }
    });
  }
}

std::vector<msg::Location> Master::valid_locations(uint64_t chunk_id, std::vector<uint32_t>* ids) const {
  const ChunkMeta* meta = fs_.chunk(chunk_id);
  if (!meta) return {};
  return chunks_.valid_locations(chunk_id, meta->version, ids);
}

void Master::add_locations(const std::vector<uint32_t>& ids, std::vector<msg::Location>* locs) const {
  for (uint32_t cs : ids)
    if (const ChunkServer* s = chunks_.server(cs)) locs->push_back(s->loc);
}

St Master::commit(const Op& op) {
  if (stepped_down_) return St::kRoFs;
  if (in_request_ && sync_.refuse_change()) return St::kRoFs;
  St st = store_.commit(op);
  if (st != St::kOk) {
    // Refused, or applied in memory but not logged (the store failed): the
    // metadata on disk may still use the chunks it released, so their
    // copies stay (Store::failed).
    fs_.released_chunks().clear();
    return st;
  }
  // Chunks no file uses any more: their copies go through the chunk loop's
  // deletion limits (CHUNKS_SOFT_DEL_LIMIT/CHUNKS_HARD_DEL_LIMIT), so that
  // removing a big tree does not flood the chunkservers.
  for (uint64_t id : fs_.released_chunks()) {
    for (const Copy& c : chunks_.take_copies(id)) chunk_loop_.queue_deletion(c.cs, id, c.version, DelWhy::kOrphan);
    chunks_.end_lease(id);
  }
  fs_.released_chunks().clear();
  return st;
}

void Master::on_cs_close(const LinkPtr& link) {
  auto ctx = std::static_pointer_cast<CsCtx>(link->ctx);
  if (!ctx || ctx->cs == 0) return;
  ChunkServer* s = chunks_.server(ctx->cs);
  if (!commander_.is_link_of(ctx->cs, link) || !s) return;
  if (s->maintenance != msg::kMaintenanceOff)
    log::info(
        "chunkserver {} ({}) disconnected in maintenance mode: its copies are kept until it is back or the "
        "mode ends",
        net::to_string(s->loc), ctx->cs);
  else
    log::warn("chunkserver {} ({}) disconnected; its chunks are replicated elsewhere if it is not back within {} s",
              net::to_string(s->loc), ctx->cs, chunk_loop_.settings().delay_disconnect_ms / 1000);
  s->up = false;
  s->disconnected_ms = loop_.now_ms();
  s->swept = false;
  // Its copies stay recorded (not valid while it is away) until the delay
  // has passed or it registers again; queued deletions go.
  chunk_loop_.server_gone(ctx->cs);
  // Its commands in flight fail with kDisconnected.
  commander_.detach(ctx->cs, link);
}

bool Master::on_cs_frame(const LinkPtr& link, uint32_t type, std::string_view payload) {
  if (!link->ctx) link->ctx = std::make_shared<CsCtx>();
  auto ctx = std::static_pointer_cast<CsCtx>(link->ctx);
  auto bad = [&](const char* what) {
    log::warn("chunkserver {}: {} (message type {}, {} bytes): closing connection", link->peer, what, type,
              payload.size());
    return false;
  };
  if (!ctx->hello) {
    msg::Hello h;
    if (type != msg::Hello::kType || !net::decode(payload, h)) return bad("expected a handshake");
    msg::HelloReply r;
    r.cluster_id = fs_.cluster_id();
    r.meta_version = fs_.version();
    if (h.role != msg::kRoleChunkserver) {
      r.status = St::kProtocol;
      r.message = "this port is for chunkservers";
      link->send(net::frame(r));
      return bad("peer is not a chunkserver");
    }
    if (h.cluster_id != 0 && h.cluster_id != fs_.cluster_id()) {
      r.status = St::kPerm;
      r.message = "chunkserver belongs to another cluster";
      link->send(net::frame(r));
      return bad("cluster id mismatch");
    }
    if (!hello_epoch(h, link, "chunkserver", &r)) {
      link->send(net::frame(r));
      return bad(r.message.c_str());
    }
    ctx->hello = true;
    link->authenticated = true;
    link->send(net::frame(r));
    return true;
  }
  switch (type) {
    case msg::CsRegister::kType: {
      msg::CsRegister m;
      if (!net::decode(payload, m) || ctx->cs != 0) return bad("bad registration");
      msg::Location loc{m.ip ? m.ip : link->peer_ip, m.port};
      // Back again: what it holds now is what it reports below.
      uint32_t id = chunks_.register_server(loc);
      if (!id) {
        link->send(net::frame(
            msg::CsRegisterReply{St::kExist, 0, "a chunkserver with this address is already connected", true, {}}));
        return bad("duplicate chunkserver address");
      }
      ChunkServer& s = *chunks_.server(id);
      s.total = m.total_bytes;
      s.used = m.used_bytes;
      s.chunk_count = static_cast<uint32_t>(m.chunks.size());
      s.label = m.label;
      s.version = m.version;
      s.up = true;
      s.registered_ms = loop_.now_ms();
      commander_.attach(id, link);
      if (s.maintenance == msg::kMaintenanceTemp) {
        s.maintenance = msg::kMaintenanceOff;
        log::info("chunkserver {} is back: temporary maintenance mode ends", net::to_string(loc));
      }
      ctx->cs = id;
      // The reply goes first: the commands below follow it on the link.
      link->send(net::frame(msg::CsRegisterReply{St::kOk, id, "", tokens_.on(), tokens_.keys()}));
      size_t good = 0, orphan = 0, stale = 0;
      std::set<uint64_t> removal(m.removal_chunks.begin(), m.removal_chunks.end());
      for (const auto& c : m.chunks) {
        const ChunkMeta* meta = fs_.chunk(c.chunk_id);
        if (!meta) {
          // No file uses it: deleted by the chunk loop, within its limits.
          orphan++;
          chunk_loop_.queue_deletion(id, c.chunk_id, c.version, DelWhy::kOrphan);
        } else if (c.version == meta->version) {
          good++;
          chunks_.add_copy(c.chunk_id, {id, c.version, removal.count(c.chunk_id) > 0});
        } else {
          // Another version (it missed writes while away): recorded as
          // such, deleted by the chunk loop once a valid copy exists. (A
          // copy one version behind when no copy has the master's version
          // is the master's own crash between logging a version change and
          // sending it: the chunk loop's first pass brings such copies up.)
          stale++;
          chunks_.add_copy(c.chunk_id, {id, c.version});
          chunk_loop_.queue_deletion(id, c.chunk_id, c.version, DelWhy::kStale);
        }
      }
      log::info("chunkserver {} registered as {}: {} chunks ({} valid, {} stale, {} orphans), {} of {} bytes used{}",
                net::to_string(loc), id, m.chunks.size(), good, stale, orphan, m.used_bytes, m.total_bytes,
                removal.empty() ? "" : fmt::format("; {} on disks marked for removal", removal.size()));
      return true;
    }
    case msg::CsSpace::kType: {
      msg::CsSpace m;
      if (!net::decode(payload, m) || ctx->cs == 0) return bad("bad heartbeat");
      ChunkServer* sp = chunks_.server(ctx->cs);
      if (!sp) return bad("heartbeat from a removed chunkserver");
      ChunkServer& s = *sp;
      s.total = m.total_bytes;
      s.used = m.used_bytes;
      s.chunk_count = m.chunk_count;
      s.load = m.load;
      s.disks = std::move(m.disks);
      return true;
    }
    case msg::CsStopping::kType: {
      msg::CsStopping m;
      if (!net::decode(payload, m) || ctx->cs == 0) return bad("bad stop notice");
      cs_stopping(ctx->cs);
      return true;
    }
    case msg::CsOpStatus::kType: {
      msg::CsOpStatus m;
      if (!net::decode(payload, m) || ctx->cs == 0) return bad("bad command status");
      commander_.complete(ctx->cs, m.op_id, m.status, m.version);  // false: timed out already
      return true;
    }
    case msg::CsChunkDamaged::kType: {
      msg::CsChunkDamaged m;
      if (!net::decode(payload, m) || ctx->cs == 0) return bad("bad damage report");
      log::warn("chunkserver {} reports chunk {:016X} damaged; dropping that copy", link->peer, m.chunk_id);
      chunks_.drop_copy(m.chunk_id, ctx->cs);
      cs_command(ctx->cs, msg::CsDelete{0, m.chunk_id, 0}, [](St, uint32_t) {});
      return true;
    }
    default: return bad("unknown message");
  }
}

}  // namespace antler::master

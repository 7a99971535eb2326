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
constexpr int kCommandTimeoutMs = 10000;
}  // namespace

template <class M>
void Master::cs_command(uint32_t cs, M m, OpDone done) {
  auto it = servers.find(cs);
  if (it == servers.end() || !it->second.connected()) {
    done(St::kDisconnected, 0);
    return;
  }
  uint32_t op = next_op_id++;
  if (next_op_id == 0) next_op_id = 1;
  m.op_id = op;
  pending_ops[op] = {cs, std::move(done)};
  it->second.link->send(net::frame(m));
  loop.after(kCommandTimeoutMs, [this, op] {
    auto p = pending_ops.find(op);
    if (p == pending_ops.end()) return;
    auto cb = std::move(p->second.second);
    pending_ops.erase(p);
    cb(St::kTimeout, 0);
  });
}

template void Master::cs_command<msg::CsCreate>(uint32_t, msg::CsCreate, OpDone);
template void Master::cs_command<msg::CsDelete>(uint32_t, msg::CsDelete, OpDone);
template void Master::cs_command<msg::CsSetVersion>(uint32_t, msg::CsSetVersion, OpDone);
template void Master::cs_command<msg::CsTruncate>(uint32_t, msg::CsTruncate, OpDone);
template void Master::cs_command<msg::CsDuplicate>(uint32_t, msg::CsDuplicate, OpDone);
template void Master::cs_command<msg::CsReplicate>(uint32_t, msg::CsReplicate, OpDone);

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

void Master::drop_copy(uint64_t id, uint32_t cs) {
  auto it = copies.find(id);
  if (it == copies.end()) return;
  auto& l = it->second;
  l.erase(std::remove_if(l.begin(), l.end(), [&](const Copy& c) { return c.cs == cs; }), l.end());
}

std::vector<uint64_t> Master::forget_copies(uint32_t cs) {
  std::vector<uint64_t> had;
  for (auto it = copies.begin(); it != copies.end();) {
    auto& l = it->second;
    size_t before = l.size();
    l.erase(std::remove_if(l.begin(), l.end(), [&](const Copy& c) { return c.cs == cs; }), l.end());
    if (l.size() != before) had.push_back(it->first);
    if (l.empty()) it = copies.erase(it);
    else ++it;
  }
  return had;
}

void Master::keep_copies(uint64_t id, const std::vector<uint32_t>& good, uint32_t version) {
  auto& l = copies[id];
  // Copies on connected servers that missed the change stay, with their old
  // version: the chunk loop deletes them. Copies on disconnected servers are
  // forgotten (their server reports them when it registers again).
  l.erase(std::remove_if(l.begin(), l.end(),
                         [&](const Copy& c) {
                           auto s = servers.find(c.cs);
                           return s == servers.end() || !s->second.connected();
                         }),
          l.end());
  for (Copy& c : l)
    if (std::find(good.begin(), good.end(), c.cs) != good.end()) c.version = version;
}

St Master::commit(const Op& op) {
  St st = store.commit(op);
  if (st != St::kOk) {
    // Refused, or applied in memory but not logged (the store failed): the
    // metadata on disk may still use the chunks it released, so their
    // copies stay (Store::failed).
    fs.released_chunks().clear();
    return st;
  }
  // Chunks no file uses any more: their copies go through the chunk loop's
  // deletion limits (CHUNKS_SOFT_DEL_LIMIT/CHUNKS_HARD_DEL_LIMIT), so that
  // removing a big tree does not flood the chunkservers.
  for (uint64_t id : fs.released_chunks()) {
    auto it = copies.find(id);
    if (it == copies.end()) continue;
    for (const Copy& c : it->second) queue_deletion(c.cs, id, c.version, DelWhy::kOrphan);
    copies.erase(it);
    leases.erase(id);
  }
  fs.released_chunks().clear();
  return st;
}

std::vector<uint32_t> Master::choose_servers(size_t count, const std::vector<uint32_t>& exclude,
                                             uint32_t client_ip) const {
  std::vector<const ChunkServer*> cands;
  for (const auto& [id, s] : servers) {
    // A server in maintenance mode gets no new chunks and no replicas.
    // A server with less than a chunk's room left is full: its disks would
    // refuse a new chunk.
    if (!s.connected() || s.maintenance != msg::kMaintenanceOff || s.total < s.used + msg::kChunkSize) continue;
    if (std::find(exclude.begin(), exclude.end(), id) != exclude.end()) continue;
    cands.push_back(&s);
  }
  // Most free space first (by fraction), then fewest chunks (servers
  // sharing a file system, or new and empty, fill evenly), then least
  // loaded. (Load counts open data connections, idle pooled ones too: a
  // poor guide for where data should live.)
  std::sort(cands.begin(), cands.end(), [](const ChunkServer* a, const ChunkServer* b) {
    double fa = double(a->total - a->used) / double(a->total), fb = double(b->total - b->used) / double(b->total);
    if (std::abs(fa - fb) > 0.01) return fa > fb;
    if (a->chunk_count != b->chunk_count) return a->chunk_count < b->chunk_count;
    if (a->load != b->load) return a->load < b->load;
    return a->id < b->id;
  });
  if (int64_t near = cfg.num("CREATIONS_RESPECT_TOPOLOGY"); near > 0 && client_ip != 0 && topology.size() != 0) {
    std::stable_partition(cands.begin(), cands.end(), [&](const ChunkServer* s) {
      return topology.distance(client_ip, s->loc.ip) < static_cast<uint32_t>(near);
    });
  }
  std::vector<uint32_t> out;
  // CHUNKS_UNIQUE_MODE: 1 no two copies on one IP address, 2 none at one
  // topology location (rack), when enough servers allow; `exclude` holds
  // the servers that already have a copy (those connected count).
  int64_t unique = cfg.num("CHUNKS_UNIQUE_MODE");
  if (unique != 0) {
    auto key = [&](const ChunkServer& s) { return unique == 1 ? std::to_string(s.loc.ip) : topology.location(s.loc.ip); };
    std::set<std::string> used;
    for (uint32_t id : exclude)
      if (auto s = servers.find(id); s != servers.end() && s->second.connected()) used.insert(key(s->second));
    std::vector<const ChunkServer*> rest;
    for (const ChunkServer* s : cands) {
      if (out.size() < count && used.insert(key(*s)).second) out.push_back(s->id);
      else rest.push_back(s);
    }
    cands = std::move(rest);
  }
  for (size_t i = 0; i < cands.size() && out.size() < count; i++) out.push_back(cands[i]->id);
  return out;
}

std::vector<msg::Location> Master::valid_locations(uint64_t chunk_id, std::vector<uint32_t>* ids) const {
  std::vector<msg::Location> out;
  const ChunkMeta* meta = fs.chunk(chunk_id);
  auto it = copies.find(chunk_id);
  if (!meta || it == copies.end()) return out;
  // Copies on disks marked for removal last (those disks are on their way
  // out), then the least loaded servers first.
  std::vector<std::pair<bool, const ChunkServer*>> good;
  for (const Copy& c : it->second) {
    auto s = servers.find(c.cs);
    if (c.version == meta->version && s != servers.end() && s->second.connected()) good.emplace_back(c.removal, &s->second);
  }
  std::sort(good.begin(), good.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return b.first;
    return a.second->load < b.second->load;
  });
  for (auto [removal, s] : good) {
    out.push_back(s->loc);
    if (ids) ids->push_back(s->id);
  }
  return out;
}

void Master::on_cs_close(const LinkPtr& link) {
  auto ctx = std::static_pointer_cast<CsCtx>(link->ctx);
  if (!ctx || ctx->cs == 0) return;
  auto it = servers.find(ctx->cs);
  if (it == servers.end() || it->second.link != link) return;
  if (it->second.maintenance != msg::kMaintenanceOff)
    log::info("chunkserver {} ({}) disconnected in maintenance mode: its copies are kept until it is back or the "
              "mode ends", net::to_string(it->second.loc), ctx->cs);
  else
    log::warn("chunkserver {} ({}) disconnected; its chunks are replicated elsewhere if it is not back within {} s",
              net::to_string(it->second.loc), ctx->cs, cfg.num("REPLICATIONS_DELAY_DISCONNECT"));
  it->second.link.reset();
  it->second.disconnected_ms = loop.now_ms();
  it->second.swept = false;
  // Its copies stay recorded (not valid while it is away) until the delay
  // has passed or it registers again; queued deletions go.
  if (auto q = cl.del_queue.find(ctx->cs); q != cl.del_queue.end()) {
    for (const Deletion& d : q->second) cl.del_queued.erase({ctx->cs, d.chunk});
    cl.del_queue.erase(q);
  }
  std::vector<uint32_t> dead;
  for (auto& [op, p] : pending_ops)
    if (p.first == ctx->cs) dead.push_back(op);
  for (uint32_t op : dead) {
    auto cb = std::move(pending_ops[op].second);
    pending_ops.erase(op);
    cb(St::kDisconnected, 0);
  }
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
    r.cluster_id = fs.cluster_id();
    r.meta_version = fs.version();
    if (h.role != msg::kRoleChunkserver) {
      r.status = static_cast<uint8_t>(St::kProtocol);
      r.message = "this port is for chunkservers";
      link->send(net::frame(r));
      return bad("peer is not a chunkserver");
    }
    if (h.cluster_id != 0 && h.cluster_id != fs.cluster_id()) {
      r.status = static_cast<uint8_t>(St::kPerm);
      r.message = "chunkserver belongs to another cluster";
      link->send(net::frame(r));
      return bad("cluster id mismatch");
    }
    ctx->hello = true;
    link->send(net::frame(r));
    return true;
  }
  switch (type) {
    case msg::CsRegister::kType: {
      msg::CsRegister m;
      if (!net::decode(payload, m) || ctx->cs != 0) return bad("bad registration");
      msg::Location loc{m.ip ? m.ip : link->peer_ip, m.port};
      uint32_t id = 0;
      for (auto& [sid, s] : servers)
        if (s.loc == loc) id = sid;
      if (id && servers[id].connected()) {
        link->send(net::frame(msg::CsRegisterReply{static_cast<uint8_t>(St::kExist), 0,
                                                   "a chunkserver with this address is already connected"}));
        return bad("duplicate chunkserver address");
      }
      if (id) forget_copies(id);  // back again: what it holds now is what it reports below
      else id = next_cs_id++;
      ChunkServer& s = servers[id];
      s.id = id;
      s.loc = loc;
      s.total = m.total_bytes;
      s.used = m.used_bytes;
      s.chunk_count = static_cast<uint32_t>(m.chunks.size());
      s.label = m.label;
      s.version = m.version;
      s.link = link;
      if (s.maintenance == msg::kMaintenanceTemp) {
        s.maintenance = msg::kMaintenanceOff;
        log::info("chunkserver {} is back: temporary maintenance mode ends", net::to_string(loc));
      }
      ctx->cs = id;
      // The reply goes first: the commands below follow it on the link.
      link->send(net::frame(msg::CsRegisterReply{0, id, ""}));
      size_t good = 0, orphan = 0, stale = 0;
      std::set<uint64_t> removal(m.removal_chunks.begin(), m.removal_chunks.end());
      for (const auto& c : m.chunks) {
        const ChunkMeta* meta = fs.chunk(c.chunk_id);
        if (!meta) {
          // No file uses it: deleted by the chunk loop, within its limits.
          orphan++;
          queue_deletion(id, c.chunk_id, c.version, DelWhy::kOrphan);
        } else if (c.version == meta->version) {
          good++;
          copies[c.chunk_id].push_back({id, c.version, removal.count(c.chunk_id) > 0});
        } else {
          // Another version (it missed writes while away): recorded as
          // such, deleted by the chunk loop once a valid copy exists. (A
          // copy one version behind when no copy has the master's version
          // is the master's own crash between logging a version change and
          // sending it: the chunk loop's first pass brings such copies up.)
          stale++;
          copies[c.chunk_id].push_back({id, c.version});
          queue_deletion(id, c.chunk_id, c.version, DelWhy::kStale);
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
      ChunkServer& s = servers[ctx->cs];
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
      auto it = pending_ops.find(m.op_id);
      if (it == pending_ops.end()) return true;  // timed out already
      auto cb = std::move(it->second.second);
      pending_ops.erase(it);
      cb(static_cast<St>(m.status), m.version);
      return true;
    }
    case msg::CsChunkDamaged::kType: {
      msg::CsChunkDamaged m;
      if (!net::decode(payload, m) || ctx->cs == 0) return bad("bad damage report");
      log::warn("chunkserver {} reports chunk {:016X} damaged; dropping that copy", link->peer, m.chunk_id);
      drop_copy(m.chunk_id, ctx->cs);
      cs_command(ctx->cs, msg::CsDelete{0, m.chunk_id, 0}, [](St, uint32_t) {});
      return true;
    }
    default:
      return bad("unknown message");
  }
}

}  // namespace antler::master

#include "daemons/master/chunks/registry.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "common/net.h"
#include "daemons/master/chunks/topology.h"

namespace antler::master {

namespace {

void erase_if(std::vector<Copy>& l, auto pred) { l.erase(std::remove_if(l.begin(), l.end(), pred), l.end()); }

}  // namespace

ChunkServer* ChunkRegistry::server(uint32_t id) {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second;
}

const ChunkServer* ChunkRegistry::server(uint32_t id) const {
  auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : &it->second;
}

bool ChunkRegistry::server_up(uint32_t cs) const {
  const ChunkServer* s = server(cs);
  return s && s->connected();
}

ChunkServer* ChunkRegistry::find_server(const msg::Location& loc) {
  for (auto& [id, s] : servers_)
    if (s.loc == loc) return &s;
  return nullptr;
}

uint32_t ChunkRegistry::register_server(const msg::Location& loc) {
  uint32_t id = 0;
  if (ChunkServer* s = find_server(loc)) {
    if (s->connected()) return 0;
    id = s->id;
    forget_copies(id);
  } else {
    id = next_cs_id_++;
  }
  ChunkServer& s = servers_[id];
  s.id = id;
  s.loc = loc;
  return id;
}

std::vector<uint64_t> ChunkRegistry::remove_server(uint32_t id) {
  std::vector<uint64_t> had = forget_copies(id);
  servers_.erase(id);
  return had;
}

std::string ChunkRegistry::name(uint32_t id) const {
  const ChunkServer* s = server(id);
  return s ? net::to_string(s->loc) : std::to_string(id);
}

std::string ChunkRegistry::place_key(uint32_t cs) const {
  const ChunkServer* s = server(cs);
  if (!s) return {};
  return settings_.unique_mode == 1 ? std::to_string(s->loc.ip) : topology_.location(s->loc.ip);
}

const std::vector<Copy>* ChunkRegistry::copies(uint64_t id) const {
  auto it = copies_.find(id);
  return it == copies_.end() ? nullptr : &it->second;
}

void ChunkRegistry::set_copy(uint64_t id, uint32_t cs, uint32_t version) {
  drop_copy(id, cs);
  copies_[id].push_back({cs, version});
}

void ChunkRegistry::drop_copy(uint64_t id, uint32_t cs) {
  auto it = copies_.find(id);
  if (it == copies_.end()) return;
  erase_if(it->second, [&](const Copy& c) { return c.cs == cs; });
  if (it->second.empty()) copies_.erase(it);
}

void ChunkRegistry::drop_copy(uint64_t id, uint32_t cs, uint32_t version) {
  auto it = copies_.find(id);
  if (it == copies_.end()) return;
  erase_if(it->second, [&](const Copy& c) { return c.cs == cs && c.version == version; });
  if (it->second.empty()) copies_.erase(it);
}

std::vector<Copy> ChunkRegistry::take_copies(uint64_t id) {
  auto it = copies_.find(id);
  if (it == copies_.end()) return {};
  std::vector<Copy> out = std::move(it->second);
  copies_.erase(it);
  return out;
}

std::vector<uint64_t> ChunkRegistry::forget_copies(uint32_t cs) {
  std::vector<uint64_t> had;
  for (auto it = copies_.begin(); it != copies_.end();) {
    auto& l = it->second;
    size_t before = l.size();
    erase_if(l, [&](const Copy& c) { return c.cs == cs; });
    if (l.size() != before) had.push_back(it->first);
    if (l.empty()) it = copies_.erase(it);
    else ++it;
  }
  return had;
}

void ChunkRegistry::keep_copies(uint64_t id, const std::vector<uint32_t>& good, uint32_t version) {
  auto& l = copies_[id];
  erase_if(l, [&](const Copy& c) { return !server_up(c.cs); });
  for (Copy& c : l)
    if (std::find(good.begin(), good.end(), c.cs) != good.end()) c.version = version;
  if (l.empty()) copies_.erase(id);
}

CopyState ChunkRegistry::classify(uint64_t id, uint32_t version, int64_t now_ms, int64_t delay_ms) {
  CopyState s;
  auto it = copies_.find(id);
  if (it == copies_.end()) return s;
  auto& list = it->second;
  for (size_t i = 0; i < list.size();) {
    const ChunkServer* srv = server(list[i].cs);
    if (!srv || (!srv->connected() && !srv->held_while_away(now_ms, delay_ms))) {
      list[i] = list.back();
      list.pop_back();
      continue;
    }
    // A copy away counts only at the chunk's version: one that missed a
    // write while its server was away is of no use for this chunk.
    if (!srv->connected()) s.waiting += list[i].version == version;
    else if (list[i].version == version) (list[i].removal ? s.marked : s.valid).push_back(list[i].cs);
    else s.stale.push_back(list[i]);
    i++;
  }
  if (list.empty()) copies_.erase(it);
  return s;
}

std::vector<msg::Location> ChunkRegistry::valid_locations(uint64_t id, uint32_t version,
                                                          std::vector<uint32_t>* ids) const {
  std::vector<msg::Location> out;
  const std::vector<Copy>* list = copies(id);
  if (!list) return out;
  // Copies on disks marked for removal last (those disks are on their way
  // out), then the least loaded servers first.
  std::vector<std::pair<bool, const ChunkServer*>> good;
  for (const Copy& c : *list) {
    const ChunkServer* s = server(c.cs);
    if (c.version == version && s && s->connected()) good.emplace_back(c.removal, s);
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

size_t ChunkRegistry::valid_count(uint64_t id, uint32_t version) const {
  const std::vector<Copy>* list = copies(id);
  if (!list) return 0;
  size_t n = 0;
  for (const Copy& c : *list) n += c.version == version && server_up(c.cs);
  return n;
}

std::vector<uint32_t> ChunkRegistry::choose_servers(size_t count, const std::vector<uint32_t>& exclude,
                                                    uint32_t client_ip) const {
  std::vector<const ChunkServer*> cands;
  for (const auto& [id, s] : servers_) {
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
  if (int64_t near = settings_.creations_respect_topology; near > 0 && client_ip != 0 && topology_.size() != 0) {
    std::stable_partition(cands.begin(), cands.end(), [&](const ChunkServer* s) {
      return topology_.distance(client_ip, s->loc.ip) < static_cast<uint32_t>(near);
    });
  }
  std::vector<uint32_t> out;
  // CHUNKS_UNIQUE_MODE: 1 no two copies on one IP address, 2 none at one
  // topology location (rack), when enough servers allow; `exclude` holds
  // the servers that already have a copy (those connected count).
  if (settings_.unique_mode != 0) {
    std::set<std::string> used;
    for (uint32_t id : exclude)
      if (server_up(id)) used.insert(place_key(id));
    std::vector<const ChunkServer*> rest;
    for (const ChunkServer* s : cands) {
      if (out.size() < count && used.insert(place_key(s->id)).second) out.push_back(s->id);
      else rest.push_back(s);
    }
    cands = std::move(rest);
  }
  for (size_t i = 0; i < cands.size() && out.size() < count; i++) out.push_back(cands[i]->id);
  return out;
}

void ChunkRegistry::sort_by_distance(uint32_t ip, std::vector<msg::Location>& locs) const {
  if (topology_.size() == 0) return;
  std::stable_sort(locs.begin(), locs.end(), [&](const msg::Location& a, const msg::Location& b) {
    return topology_.distance(ip, a.ip) < topology_.distance(ip, b.ip);
  });
}

const Lease* ChunkRegistry::lease(uint64_t id) const {
  auto it = leases_.find(id);
  return it == leases_.end() ? nullptr : &it->second;
}

void ChunkRegistry::expire_leases(int64_t now_ms) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.expires_ms < now_ms) it = leases_.erase(it);
    else ++it;
  }
}

void ChunkRegistry::set_busy(uint64_t id, bool busy) {
  if (busy) busy_.insert(id);
  else busy_.erase(id);
}

}  // namespace antler::master

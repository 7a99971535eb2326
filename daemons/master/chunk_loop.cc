// Keeps every chunk at its goal: replicates under-goal chunks from a valid
// copy to a server without one, deletes copies above the goal.
#include <algorithm>

#include "common/log.h"
#include "common/net.h"
#include "daemons/master/master.h"

namespace antler::master {

void Master::chunk_loop() {
  int64_t now = loop.now_ms();
  if (now - started_ms < cfg.num("REPLICATIONS_DELAY_INIT") * 1000) return;
  const uint32_t rep_limit = static_cast<uint32_t>(cfg.num("CHUNKS_WRITE_REP_LIMIT"));
  for (auto& [id, meta] : fs.chunks()) {
    if (busy.count(id)) continue;
    auto lease = leases.find(id);
    if (lease != leases.end()) {
      if (lease->second.expires_ms > now) continue;
      leases.erase(lease);
    }
    std::vector<uint32_t> holders;
    valid_locations(id, &holders);
    if (holders.empty()) continue;  // lost: nothing to copy from (mfsfilerepair)
    if (holders.size() < meta.goal) {
      // Servers holding any copy (even stale) are not targets.
      std::vector<uint32_t> exclude;
      for (const Copy& c : copies[id]) exclude.push_back(c.cs);
      auto targets = choose_servers(servers.size(), exclude);
      uint32_t target = 0;
      for (uint32_t t : targets)
        if (servers[t].replications < rep_limit) {
          target = t;
          break;
        }
      uint32_t source = 0;
      for (uint32_t h : holders)
        if (servers[h].replications < rep_limit) {
          source = h;
          break;
        }
      if (!target || !source) continue;
      uint32_t version = meta.version;
      busy.insert(id);
      servers[target].replications++;
      servers[source].replications++;
      uint64_t cid = id;
      cs_command(target, msg::CsReplicate{0, cid, version, servers[source].loc},
                 [this, cid, version, target, source](St st, uint32_t) {
                   busy.erase(cid);
                   if (servers.count(target)) servers[target].replications--;
                   if (servers.count(source)) servers[source].replications--;
                   const ChunkMeta* m = fs.chunk(cid);
                   if (st == St::kOk && m && m->version == version && servers[target].connected()) {
                     copies[cid].push_back({target, version});
                     log::debug("chunk {:016X} replicated to server {}", cid, target);
                   } else if (st != St::kOk) {
                     log::warn("replication of chunk {:016X} to {} failed: {}", cid,
                               net::to_string(servers[target].loc), to_string(st));
                   } else if (servers[target].connected()) {
                     cs_command(target, msg::CsDelete{0, cid, version}, [](St, uint32_t) {});
                   }
                 });
    } else if (holders.size() > meta.goal) {
      // Drop the copy on the fullest server.
      uint32_t victim = holders[0];
      for (uint32_t h : holders) {
        const ChunkServer& a = servers[h];
        const ChunkServer& b = servers[victim];
        if (a.total && b.total && double(a.used) / double(a.total) > double(b.used) / double(b.total)) victim = h;
      }
      drop_copy(id, victim);
      cs_command(victim, msg::CsDelete{0, id, meta.version}, [](St, uint32_t) {});
    }
  }
}

}  // namespace antler::master

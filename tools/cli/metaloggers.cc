// -SMB: the metaloggers connected to the master.
#include <cstdio>

#include "common/msg/metalogger.h"
#include "tools/cli/cli.h"

namespace antler::tools::cli {

namespace {
// "0.31 ms": a total of microseconds over n.
std::string mean_ms(int64_t total_us, uint64_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f ms", static_cast<double>(total_us) / 1000.0 / static_cast<double>(n));
  return b;
}
}  // namespace

Status show_metaloggers(Master& m, const Options& o) {
  auto r = m.ask<msg::CliMetaloggersReply>(msg::CliMetaloggers{});
  if (!r) return r.status();
  bool tty = o.style.tty;
  Table t(tty ? "Metadata Backup Loggers" : "metadata backup loggers",
          {"ip", "port", "version", "state", "on disk", "lag", "image version", "image age", "connected", "sync"});
  for (const auto& ml : r->metaloggers) {
    uint64_t lag = r->master_version > ml.acked ? r->master_version - ml.acked : 0;
    t.add({net::ip_to_string(ml.loc.ip), num(ml.loc.port), ml.version.empty() ? "-" : ml.version,
           ml.following ? "following" : "catching up", num(ml.acked), num(lag),
           ml.image_age_s < 0 ? "-" : num(ml.image_version),
           ml.image_age_s < 0 ? "-" : num(static_cast<uint64_t>(ml.image_age_s)) + " s", num(ml.connected_s) + " s",
           ml.sync ? "yes" : "no"});
  }
  t.print(o.style);
  const msg::CliSync& g = r->sync;
  static const char* const kModes[] = {"off", "waiting for metaloggers", "FELL BACK: serving unsynced changes",
                                       "FELL BACK: refusing changes"};
  Table s(tty ? "Synchronous Metaloggers" : "synchronous metaloggers",
          {"SYNC_METALOGGERS", "state", "synced version", "waiting answers", "oldest wait", "mean wait", "refused",
           "fallbacks"});
  s.add({num(g.n), g.mode < 4 ? kModes[g.mode] : "?", num(g.synced), num(g.held),
         num(static_cast<uint64_t>(g.oldest_wait_ms)) + " ms", g.released ? mean_ms(g.wait_us_total, g.released) : "-",
         num(g.refused), num(g.fallbacks)});
  s.print(o.style);
  return Status::ok_status();
}

}  // namespace antler::tools::cli

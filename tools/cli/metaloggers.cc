// -SMB: the metaloggers connected to the master, and its SYNC_METALOGGERS
// state; for -j, "metaloggers" and "sync_metaloggers".
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
const char* const kModes[] = {"off", "waiting for metaloggers", "FELL BACK: serving unsynced changes",
                              "FELL BACK: refusing changes"};
const char* const kModeKeys[] = {"off", "sync", "serving unsynced", "refusing changes"};

void add_json(const msg::CliMetaloggersReply& r, Json* dataset) {
  Json& list = dataset->set("metaloggers", Json::array());
  for (const auto& ml : r.metaloggers) {
    Json& j = list.push(Json::object());
    j.set("ip", net::ip_to_string(ml.loc.ip));
    j.set("port", ml.loc.port);
    j.set("version", ml.version);
    j.set("state", ml.following ? "following" : "catching up");
    j.set("metadata_version", ml.acked);
    j.set("lag_versions", r.master_version > ml.acked ? r.master_version - ml.acked : 0);
    j.set("image_version", ml.image_age_s < 0 ? Json() : Json(ml.image_version));
    j.set("image_age_seconds", ml.image_age_s < 0 ? Json() : Json(ml.image_age_s));
    j.set("connected_seconds", ml.connected_s);
    j.set("sync", ml.sync);
  }
  const msg::CliSync& g = r.sync;
  Json& s = dataset->set("sync_metaloggers", Json::object());
  s.set("master_version", r.master_version);
  s.set("required", g.n);
  s.set("state", g.mode < 4 ? kModeKeys[g.mode] : "?");
  s.set("synced_version", g.synced);
  s.set("waiting_answers", g.held);
  s.set("oldest_wait_seconds", static_cast<double>(g.oldest_wait_ms) / 1e3);
  s.set("released_answers", g.released);
  s.set("wait_seconds_total", static_cast<double>(g.wait_us_total) / 1e6);
  s.set("refused_changes", g.refused);
  s.set("fallbacks", g.fallbacks);
}

}  // namespace

Status show_metaloggers(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliMetaloggersReply>(msg::CliMetaloggers{});
  if (!r) return r.status();
  if (dataset) {
    add_json(*r, dataset);
    return Status::ok_status();
  }
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

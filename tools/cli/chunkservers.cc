// -SCS: the connected chunkservers, then the disconnected ones.
#include <cstdio>

#include "common/msg/master_cs.h"
#include "tools/cli/cli.h"

namespace antler::tools::cli {

namespace {

const char* maintenance_text(uint8_t m) {
  return m == msg::kMaintenanceOn     ? "maintenance_on"
         : m == msg::kMaintenanceTemp ? "maintenance_tmp_on"
                                      : "maintenance_off";
}

const char* removal_text(uint8_t s) {
  switch (s) {
    case msg::kRemovalNotReady: return "NOT READY";
    case msg::kRemovalReady: return "READY";
    case msg::kRemovalPending: return "PENDING";
    default: return "-";
  }
}

}  // namespace

Status show_chunkservers(Master& m, const Options& o) {
  auto r = m.ask<msg::CliServersReply>(msg::CliServers{});
  if (!r) return r.status();
  bool tty = o.style.tty;
  Table t(tty ? "Chunk Servers" : "chunk servers", {"ip", "port", "id", "labels", "version", "load", "maintenance",
                                                    "chunks", "used", "total", "removal", "chunks", "used", "total"});
  Table d(tty ? "Disconnected Chunk Servers" : "Disconnected chunk servers",
          {"ip", "port", "id", "maintenance", "away"});
  for (const auto& s : r->servers) {
    std::string ip = net::ip_to_string(s.loc.ip);
    std::string maint = maintenance_text(s.maintenance);
    if (s.maintenance_left_s >= 0 && tty) maint += " (" + std::to_string(s.maintenance_left_s) + " s left)";
    if (!s.connected) {
      d.add({ip, num(s.loc.port), num(s.id), maint, num(static_cast<uint64_t>(s.disconnected_s)) + " s"});
      continue;
    }
    t.add({ip, num(s.loc.port), num(s.id), s.label.empty() ? "-" : s.label, s.version.empty() ? "-" : s.version,
           num(s.load), maint, num(s.chunks), bytes_text(s.used, tty), bytes_text(s.total, tty),
           removal_text(s.removal_status), num(s.removal_chunks), bytes_text(s.removal_used, tty),
           bytes_text(s.removal_total, tty)});
  }
  t.print(o.style);
  if (!d.empty()) {
    std::printf("\n");
    d.print(o.style);
  }
  return Status::ok_status();
}

}  // namespace antler::tools::cli

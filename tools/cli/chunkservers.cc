// -SCS: the connected chunkservers, then the disconnected ones; for -j, one
// "chunkservers" list with a "connected" member.
#include <cctype>
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

Json server_json(const msg::CliServer& s) {
  Json j = Json::object();
  j.set("ip", net::ip_to_string(s.loc.ip));
  j.set("port", s.loc.port);
  j.set("id", s.id);
  j.set("connected", s.connected);
  j.set("maintenance", maintenance_text(s.maintenance));
  j.set("maintenance_left_seconds", s.maintenance_left_s >= 0 ? Json(s.maintenance_left_s) : Json());
  if (!s.connected) {
    j.set("disconnected_seconds", s.disconnected_s);
    return j;
  }
  j.set("labels", s.label);
  j.set("version", s.version);
  j.set("load", s.load);
  j.set("chunks", s.chunks);
  j.set("used_bytes", s.used);
  j.set("total_bytes", s.total);
  Json& rm = j.set("removal", Json::object());
  std::string status = removal_text(s.removal_status);  // the text's word, in lower case ("-": none)
  for (char& ch : status) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  rm.set("status", status == "-" ? "none" : status);
  rm.set("chunks", s.removal_chunks);
  rm.set("used_bytes", s.removal_used);
  rm.set("total_bytes", s.removal_total);
  return j;
}

}  // namespace

Status show_chunkservers(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliServersReply>(msg::CliServers{});
  if (!r) return r.status();
  if (dataset) {
    Json& list = dataset->set("chunkservers", Json::array());
    for (const auto& s : r->servers) list.push(server_json(s));
    return Status::ok_status();
  }
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

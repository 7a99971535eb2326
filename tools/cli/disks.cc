// -SHD: every disk of the connected chunkservers, with the last minute's I/O;
// for -j, the "disks" list, with the I/O as raw sums.
#include "common/msg/master_cs.h"
#include "tools/cli/cli.h"

namespace antler::tools::cli {

namespace {

std::string status_text(uint8_t flags) {
  return (flags & msg::kDiskFailed)    ? "damaged"
         : (flags & msg::kDiskRemoval) ? "marked for removal"
         : (flags & msg::kDiskFull)    ? "ok (full)"
         : (flags & msg::kDiskMoveOut) ? "ok (moving out)"
         : (flags & msg::kDiskMoveIn)  ? "ok (moving in)"
                                       : "ok";
}

Json disk_json(const msg::CliServer& s, const msg::CsDisk& dk) {
  Json j = Json::object();
  j.set("ip", net::ip_to_string(s.loc.ip));
  j.set("port", s.loc.port);
  j.set("path", dk.path);
  j.set("chunks", dk.chunks);
  j.set("errors", dk.errors);
  j.set("status", status_text(dk.flags));
  Json& f = j.set("flags", Json::object());
  f.set("damaged", (dk.flags & msg::kDiskFailed) != 0);
  f.set("marked_for_removal", (dk.flags & msg::kDiskRemoval) != 0);
  f.set("full", (dk.flags & msg::kDiskFull) != 0);
  f.set("moving_out", (dk.flags & msg::kDiskMoveOut) != 0);
  f.set("moving_in", (dk.flags & msg::kDiskMoveIn) != 0);
  Json& io = j.set("io", Json::object());
  io.set("window_seconds", dk.window_s);
  io.set("read_bytes", dk.rbytes);
  io.set("write_bytes", dk.wbytes);
  io.set("reads", dk.rops);
  io.set("writes", dk.wops);
  io.set("fsyncs", dk.fsyncs);
  io.set("read_seconds", static_cast<double>(dk.r_us) / 1e6);
  io.set("write_seconds", static_cast<double>(dk.w_us) / 1e6);
  io.set("fsync_seconds", static_cast<double>(dk.fsync_us) / 1e6);
  io.set("max_read_seconds", dk.r_max_us / 1e6);
  io.set("max_write_seconds", dk.w_max_us / 1e6);
  io.set("max_fsync_seconds", dk.fsync_max_us / 1e6);
  j.set("used_bytes", dk.used);
  j.set("total_bytes", dk.total);
  return j;
}

}  // namespace

Status show_disks(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliServersReply>(msg::CliServers{});
  if (!r) return r.status();
  if (dataset) {
    Json& list = dataset->set("disks", Json::array());
    for (const auto& s : r->servers)
      if (s.connected)
        for (const auto& dk : s.disks) list.push(disk_json(s, dk));
    return Status::ok_status();
  }
  bool tty = o.style.tty;
  Table t(tty ? "Disks" : "disks", {"IP:port:path", "chunks", "last error", "status", "read/s", "write/s", "max read",
                                    "max write", "max fsync", "reads", "writes", "fsyncs", "used", "total"});
  for (const auto& s : r->servers) {
    if (!s.connected) continue;
    for (const auto& dk : s.disks) {
      std::string path = dk.path;
      if (path.empty() || path.back() != '/') path += '/';
      std::string err = dk.errors ? num(dk.errors) + " I/O errors" : "no errors";
      // The last minute's I/O, as MooseFS shows it: transfer speed while
      // busy (bytes per second of operation time), the longest read, write
      // and fsync, and the operation counts; "-" when the disk was idle.
      std::vector<std::string> row{net::to_string(s.loc) + ":" + path, num(dk.chunks), err, status_text(dk.flags)};
      if (dk.rops + dk.wops + dk.fsyncs == 0) {
        for (int i = 0; i < 8; i++) row.push_back("-");
      } else {
        uint64_t rbw = dk.r_us ? dk.rbytes * 1000000 / dk.r_us : 0;
        uint64_t wbw = dk.w_us + dk.fsync_us ? dk.wbytes * 1000000 / (dk.w_us + dk.fsync_us) : 0;
        auto us = [&](uint64_t v) { return tty ? num(v) + " us" : num(v); };
        row.push_back(tty ? human(rbw) + "/s" : num(rbw));
        row.push_back(tty ? human(wbw) + "/s" : num(wbw));
        row.push_back(us(dk.r_max_us));
        row.push_back(us(dk.w_max_us));
        row.push_back(us(dk.fsync_max_us));
        row.push_back(num(dk.rops));
        row.push_back(num(dk.wops));
        row.push_back(num(dk.fsyncs));
      }
      row.push_back(bytes_text(dk.used, tty));
      row.push_back(bytes_text(dk.total, tty));
      t.add(std::move(row));
    }
  }
  t.print(o.style);
  return Status::ok_status();
}

}  // namespace antler::tools::cli

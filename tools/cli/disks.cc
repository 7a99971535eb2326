// -SHD: every disk of the connected chunkservers, with the last minute's I/O.
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

}  // namespace

Status show_disks(Master& m, const Options& o) {
  auto r = m.ask<msg::CliServersReply>(msg::CliServers{});
  if (!r) return r.status();
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

// -SMF: chunks with no valid copy, one row per path of each file using them;
// for -j, the "missing" list, one element per chunk with its paths.
#include <cstdio>

#include "tools/cli/cli.h"

namespace antler::tools::cli {

Status show_missing(Master& m, const Options& o, Json* dataset) {
  auto r = m.ask<msg::CliMissingReply>(msg::CliMissing{});
  if (!r) return r.status();
  if (dataset) {
    Json& list = dataset->set("missing", Json::array());
    for (const auto& c : r->missing) {
      Json& j = list.push(Json::object());
      char id[20];
      std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(c.chunk_id));
      j.set("chunk_id", id);
      j.set("inode", c.inode);
      j.set("index", c.index);
      j.set("kind", c.kind == msg::kMissingWrongVersions ? "wrong versions" : "no copy");
      Json& paths = j.set("paths", Json::array());
      for (const auto& p : c.paths) paths.push(p);
    }
    return Status::ok_status();
  }
  bool tty = o.style.tty;
  Table t(tty ? "Missing Files/Chunks" : "missing files",
          {"path", "inode", "index", "chunk id", "type of missing chunk"});
  for (const auto& c : r->missing) {
    char id[20];
    std::snprintf(id, sizeof id, "%016llX", static_cast<unsigned long long>(c.chunk_id));
    const char* kind = c.kind == msg::kMissingWrongVersions ? "WRONG VERSIONS" : "NO COPY";
    if (c.paths.empty()) t.add({" * unknown path * (deleted file)", num(c.inode), num(c.index), id, kind});
    for (const auto& p : c.paths) t.add({p, num(c.inode), num(c.index), id, kind});
  }
  t.print(o.style);
  return Status::ok_status();
}

}  // namespace antler::tools::cli

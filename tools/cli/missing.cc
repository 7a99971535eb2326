// -SMF: chunks with no valid copy, one row per path of each file using them.
#include <cstdio>

#include "tools/cli/cli.h"

namespace antler::tools::cli {

Status show_missing(Master& m, const Options& o) {
  auto r = m.ask<msg::CliMissingReply>(msg::CliMissing{});
  if (!r) return r.status();
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

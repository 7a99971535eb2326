// mfsfilerepair: makes files readable again after every copy of a chunk is
// lost (root only). A chunk with no valid copy takes the highest version a
// chunkserver still holds, or becomes zeros.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/diag.h"

#include "common/msg/tools.h"
#include "tools/commands.h"

namespace antler::tools {

int filerepair_main(int argc, char** argv) {
  auto app = make_app("mfsfilerepair",
                      "repair files whose chunks have no valid copy (root only): such a chunk takes the highest "
                      "version a chunkserver still holds, or, with none, is erased (reads as zeros). Chunkservers "
                      "that are not connected count as lost: repair only when all are up");
  FormatFlags ff;
  add_format_flags(*app, &ff);
  std::vector<std::string> paths;
  app->add_option("file", paths, "files to repair")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Format f = ff.format();
  int rc = 0;
  for (const std::string& p : paths) {
    Result<Target> t = locate(p);
    if (!t) {
      rc = fail(t.status());
      continue;
    }
    if (t->is_dir) {
      rc = fail(p + ": not a file");
      continue;
    }
    auto r = call<msg::ClFileRepairReply>(*t, msg::ClFileRepair{0, {}, t->inode});
    if (!r) rc = fail(r.status().with_context(p));
    else if (r->status == St::kInval) rc = fail(p + ": not a file");
    else if (r->status != St::kOk) rc = fail(p + ": " + describe(r->status));
    else {
      std::printf("%s:\n", p.c_str());
      std::printf(" chunks not changed: %s\n", count_column(r->not_changed, f).c_str());
      std::printf(" chunks erased:      %s\n", count_column(r->erased, f).c_str());
      std::printf(" chunks repaired:    %s\n", count_column(r->repaired, f).c_str());
    }
  }
  return rc;
}

}  // namespace antler::tools

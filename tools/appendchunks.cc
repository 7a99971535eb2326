// mfsappendchunks: append the chunks of files to a file (shared, lazy).
#include <CLI/CLI.hpp>

#include "tools/common.h"

#include "common/msg/client.h"
#include "common/msg/tools.h"
#include "tools/commands.h"

namespace antler::tools {

int appendchunks_main(int argc, char** argv) {
  auto app = make_app("mfsappendchunks",
                      "append the chunks of files to a file without copying data: each source starts at the next "
                      "64 MiB chunk boundary of the destination (the gap reads as zeros)");
  std::string dst;
  std::vector<std::string> srcs;
  app->add_option("destination", dst, "file to append to (created if missing)")->required();
  app->add_option("source", srcs, "files whose chunks are appended, in order")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Result<Target> d = locate(dst);
  if (!d) {
    // MooseFS creates the destination when it does not exist.
    FILE* f = std::fopen(dst.c_str(), "ab");
    if (!f || std::fclose(f) != 0) return fail(d.status());
    d = locate(dst);
    if (!d) return fail(d.status());
  }
  for (const std::string& src : srcs) {
    Result<Target> s = locate(src);
    if (!s) return fail(s.status());
    if (s->dev != d->dev) return fail(src + ": not on the same mount as " + dst);
    auto r = call<msg::ClStatusReply>(*d, msg::ClAppendChunks{0, {}, d->inode, s->inode});
    if (!r) return fail(r.status().with_context(src));
    if (r->status != St::kOk) return fail(src + ": " + describe(r->status));
  }
  return 0;
}

}  // namespace antler::tools

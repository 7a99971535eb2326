// mfsmakesnapshot: instant copies of files or trees that share chunks.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/common.h"

#include "common/msg/tools.h"
#include "tools/commands.h"

namespace antler::tools {

int makesnapshot_main(int argc, char** argv) {
  auto app = make_app("mfsmakesnapshot",
                      "make lazy copies (snapshots) of files or directory trees inside one Antler mount; data is "
                      "shared until either side writes it");
  bool overwrite = false, cpattrs = false, keeplinks = false;
  std::vector<std::string> args;
  app->add_flag("-o", overwrite, "overwrite existing objects at the destination");
  app->add_flag("-c", cpattrs, "new objects belong to you and get your umask, like cp (default: keep owner and mode)");
  app->add_flag("-p", keeplinks, "keep hard links inside the tree as links (default: separate copies)");
  app->add_option("source... destination", args, "objects to copy, then where")->required()->expected(2, -1);
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  std::string dst = args.back();
  args.pop_back();
  struct stat ds;
  bool dst_is_dir = ::stat(dst.c_str(), &ds) == 0 && S_ISDIR(ds.st_mode);
  if (args.size() > 1 && !dst_is_dir) return fail(dst + ": is not a directory (needed for several sources)");
  mode_t um = ::umask(022);
  ::umask(um);
  uint8_t flags =
      (overwrite ? msg::kSnapOverwrite : 0) | (cpattrs ? msg::kSnapCpAttrs : 0) | (keeplinks ? msg::kSnapKeepLinks : 0);
  int rc = 0;
  for (const std::string& src : args) {
    std::string name, where;
    Result<Target> s = locate(src);
    if (!s) {
      rc = fail(s.status());
      continue;
    }
    std::string base = src;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    base = base.substr(base.find_last_of('/') + 1);
    if (dst_is_dir) {
      where = dst;
      name = base;
    } else {
      std::string p = dst;
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      size_t slash = p.find_last_of('/');
      where = slash == std::string::npos ? "." : slash == 0 ? "/" : p.substr(0, slash);
      name = p.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    Result<Target> d = locate(where);
    if (!d) {
      rc = fail(d.status());
      continue;
    }
    if (d->dev != s->dev) {
      rc = fail(src + ": source and destination are on different mounts");
      continue;
    }
    std::string shown = dst_is_dir ? where + "/" + name : dst;
    auto r = call<msg::ClStatusReply>(
        *s, msg::ClSnapshot{0, {}, s->inode, d->inode, name, flags, static_cast<uint16_t>(um)});
    if (!r) rc = fail(r.status().with_context(shown));
    else if (r->status != St::kOk) rc = fail(shown + ": " + describe(r->status));
  }
  return rc;
}

}  // namespace antler::tools

// mfsfilepaths: every path of a file (hard links give several), by name or
// by inode number.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/common.h"

#include "common/msg/tools.h"
#include "tools/commands.h"

namespace antler::tools {

int filepaths_main(int argc, char** argv) {
  auto app = make_app("mfsfilepaths",
                      "show every path of the given objects (one per hard link), named by path or by inode "
                      "number; for an inode number, run it inside the mount");
  std::vector<std::string> args;
  app->add_option("object", args, "paths or inode numbers")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  int rc = 0;
  for (const std::string& a : args) {
    struct stat st;
    bool is_inode = !a.empty() && a.find_first_not_of("0123456789") == std::string::npos && a.size() <= 10 &&
                    ::lstat(a.c_str(), &st) != 0 && std::stoull(a) > 0 && std::stoull(a) <= 0xFFFFFFFFull;
    Result<Target> t = locate(is_inode ? "." : a);
    if (!t) {
      // An inode number is looked up in the mount holding the current directory.
      const std::string& err = t.status().message();
      rc = fail(is_inode ? a + ": " + err.substr(err.find(": ") + 2) : err);
      continue;
    }
    if (is_inode) t->inode = static_cast<uint32_t>(std::stoull(a));
    auto r = call<msg::ClFilePathsReply>(*t, msg::ClFilePaths{0, {}, t->inode});
    if (!r) {
      rc = fail(r.status().with_context(a));
      continue;
    }
    if (r->status != St::kOk) {
      rc = fail(a + ": " + describe(r->status));
      continue;
    }
    std::printf("%s:\n", a.c_str());
    // As MooseFS prints them: from the mounted folder, without a leading '/'.
    for (const std::string& p : r->paths) std::printf("%s\n", p.size() > 1 && p[0] == '/' ? p.c_str() + 1 : p.c_str());
  }
  return rc;
}

}  // namespace antler::tools

// mfsrmsnapshot: removes snapshots (files or whole trees), like rm -r.
#include <ftw.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>

#include "tools/commands.h"
#include "tools/common.h"

namespace antler::tools {

namespace {

int g_rc = 0;

int remove_one(const char* path, const struct stat*, int flag, struct FTW*) {
  int r = (flag == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  if (r != 0) g_rc = fail(std::string(path) + ": " + std::strerror(errno));
  return 0;  // go on with the rest
}

}  // namespace

int rmsnapshot_main(int argc, char** argv) {
  auto app = make_app("mfsrmsnapshot", "remove snapshots: files or whole directory trees inside an Antler mount");
  bool force = false;
  std::vector<std::string> paths;
  app->add_flag("-f", force, "accepted for MooseFS compatibility (trees are always removed whole)");
  app->add_option("path", paths, "snapshots to remove")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  g_rc = 0;
  for (const std::string& p : paths) {
    Result<Target> t = locate(p);
    if (!t) {
      g_rc = fail(t.status());
      continue;
    }
    if (t->inode == 1) {
      g_rc = fail(p + ": is the root of the mount");
      continue;
    }
    if (::nftw(p.c_str(), remove_one, 64, FTW_DEPTH | FTW_PHYS) != 0) g_rc = fail(p + ": " + std::strerror(errno));
  }
  return g_rc;
}

}  // namespace antler::tools

// mfstools: the multicall binary behind the mfs* command symlinks. The
// command is the name it was called by (mfsgetgoal, ...) or, called as
// mfstools, its first argument.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/commands.h"

namespace {

struct Command {
  const char* name;
  int (*main)(int, char**);
};

using namespace antler::tools;
constexpr Command kCommands[] = {
    {"mfsgetgoal", getgoal_main},
    {"mfsrgetgoal", rgetgoal_main},
    {"mfssetgoal", setgoal_main},
    {"mfsrsetgoal", rsetgoal_main},
    {"mfscopygoal", copygoal_main},
    {"mfsgettrashtime", gettrashtime_main},
    {"mfsrgettrashtime", rgettrashtime_main},
    {"mfssettrashtime", settrashtime_main},
    {"mfsrsettrashtime", rsettrashtime_main},
    {"mfscopytrashtime", copytrashtime_main},
    {"mfsgeteattr", geteattr_main},
    {"mfsseteattr", seteattr_main},
    {"mfsdeleattr", deleattr_main},
    {"mfscopyeattr", copyeattr_main},
    {"mfsmakesnapshot", makesnapshot_main},
    {"mfsrmsnapshot", rmsnapshot_main},
    {"mfsappendchunks", appendchunks_main},
    {"mfsgetquota", getquota_main},
    {"mfssetquota", setquota_main},
    {"mfsdelquota", delquota_main},
    {"mfscopyquota", copyquota_main},
    {"mfsfileinfo", fileinfo_main},
    {"mfscheckfile", checkfile_main},
    {"mfsfilepaths", filepaths_main},
    {"mfsdirinfo", dirinfo_main},
    {"mfsfilerepair", filerepair_main},
    {"mfscli", cli_main},
};

void usage(FILE* out) {
  std::fprintf(out, "usage: mfstools COMMAND [ARGS]   (or call it through a COMMAND symlink)\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %s\n", c.name);
  std::fprintf(out, "each command has --help; man mfstools\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = argv[0];
  name = name.substr(name.find_last_of('/') + 1);
  if (name == "mfstools") {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
      usage(argc < 2 ? stderr : stdout);
      return argc < 2 ? 1 : 0;
    }
    name = argv[1];
    argv++;
    argc--;
  }
  for (const Command& c : kCommands)
    if (name == c.name) return c.main(argc, argv);
  std::fprintf(stderr, "mfstools: unknown command '%s'\n", name.c_str());
  usage(stderr);
  return 1;
}

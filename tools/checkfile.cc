// mfscheckfile: how many chunks of a file have how many valid copies.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/commands.h"
#include "tools/diag.h"

namespace antler::tools {

int checkfile_main(int argc, char** argv) {
  auto app = make_app("mfscheckfile", "count the chunks of the files by their number of valid copies");
  FormatFlags ff;
  add_format_flags(*app, &ff);
  std::vector<std::string> paths;
  app->add_option("file", paths, "files to check")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Format f = ff.format();
  return for_each_file(paths, [f](const std::string& p, const msg::ClFileInfoReply& r) {
    std::printf("%s:\n", p.c_str());
    print_copy_counts(r, f);
  });
}

}  // namespace antler::tools

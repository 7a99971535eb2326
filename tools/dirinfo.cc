// mfsdirinfo: du-like totals of trees (inodes, directories, files, chunks,
// length, size, realsize), counted by the master over the namespace.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "tools/diag.h"

#include "common/msg/tools.h"
#include "tools/commands.h"

namespace antler::tools {

int dirinfo_main(int argc, char** argv) {
  auto app = make_app("mfsdirinfo",
                      "show totals of directory trees (or files): inodes, directories, files, chunks, length (sum "
                      "of file lengths), size (sum of chunk sizes) and realsize (size times goal; with -p, times "
                      "the copies there are)");
  FormatFlags ff;
  add_format_flags(*app, &ff);
  bool si = false, sd = false, sf = false, sc = false, sl = false, ss = false, sr = false, precise = false;
  app->add_flag("-i", si, "show the number of inodes");
  app->add_flag("-d", sd, "show the number of directories");
  app->add_flag("-f", sf, "show the number of files");
  app->add_flag("-c", sc, "show the number of chunks");
  app->add_flag("-l", sl, "show the length");
  app->add_flag("-s", ss, "show the size");
  app->add_flag("-r", sr, "show the realsize");
  app->add_flag("-p", precise,
                "precise mode: hard-linked inodes and chunks shared by snapshots count once, and realsize counts "
                "the copies there are rather than the goal");
  std::vector<std::string> paths;
  app->add_option("object", paths, "directories or files")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Format f = ff.format();
  bool all = !(si || sd || sf || sc || sl || ss || sr);
  return for_each_path<msg::ClDirInfoReply>(
      paths,
      [precise](const Target& t) {
        return msg::ClDirInfo{0, {}, t.inode, precise};
      },
      [&](const std::string& p, const msg::ClDirInfoReply& r) {
        if (all) {
          int w = column_width(f);
          std::printf(precise ? "%s (precise data):\n" : "%s:\n", p.c_str());
          std::printf(" inodes:       %*s\n", w, column_text(r.inodes, f, false).c_str());
          std::printf("  directories: %*s\n", w, column_text(r.dirs, f, false).c_str());
          std::printf("  files:       %*s\n", w, column_text(r.files, f, false).c_str());
          std::printf(" chunks:       %*s\n", w, column_text(r.chunks, f, false).c_str());
          std::printf(" length:       %*s\n", w, column_text(r.length, f, true).c_str());
          std::printf(" size:         %*s\n", w, column_text(r.size, f, true).c_str());
          std::printf(" realsize:     %*s\n", w, column_text(r.realsize, f, true).c_str());
          return;
        }
        // Only the chosen values, tab-separated, then the name (as du).
        auto put = [&](bool on, uint64_t v, bool bytes) {
          if (on) std::printf("%s\t", number(v, value_format(f, bytes)).c_str());
        };
        put(si, r.inodes, false);
        put(sd, r.dirs, false);
        put(sf, r.files, false);
        put(sc, r.chunks, false);
        put(sl, r.length, true);
        put(ss, r.size, true);
        put(sr, r.realsize, true);
        std::printf(precise ? "%s (precise data)\n" : "%s\n", p.c_str());
      });
}

}  // namespace antler::tools

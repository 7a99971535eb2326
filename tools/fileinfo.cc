// mfsfileinfo (every chunk of a file and where its copies are) and
// mfscheckfile (how many chunks have how many valid copies).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "common/net.h"
#include "tools/diag.h"

namespace antler::tools {

namespace {

const char* state_text(uint8_t state) {
  switch (state) {
    case msg::kCopyValid: return "VALID";
    case msg::kCopyWrongVersion: return "WRONG VERSION";
    default: return "INVALID";
  }
}

// ClFileInfo for each path; "PATH: not a file" for anything else than a
// regular file.
template <class Done>
int for_each_file(const std::vector<std::string>& paths, Done done) {
  int rc = 0;
  for (const std::string& p : paths) {
    Target t;
    std::string err;
    msg::ClFileInfoReply reply;
    St st = St::kOk;
    if (!locate(p, &t, &err)) rc = fail(err);
    else if (t.is_dir) rc = fail(p + ": not a file");
    else if (!call(t, msg::ClFileInfo{0, {}, t.inode}, &reply, &st, &err)) rc = fail(p + ": " + err);
    else if (st == St::kInval) rc = fail(p + ": not a file");
    else if (st != St::kOk) rc = fail(p + ": " + describe(st));
    else done(p, reply);
  }
  return rc;
}

}  // namespace

int fileinfo_main(int argc, char** argv) {
  auto app = make_app("mfsfileinfo",
                      "show every chunk of the files (id and version) and the chunkservers holding each copy, with "
                      "the copy's state");
  std::vector<std::string> paths;
  app->add_option("file", paths, "files to show")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  return for_each_file(paths, [](const std::string& p, const msg::ClFileInfoReply& r) {
    std::printf("%s:\n", p.c_str());
    bool none = std::all_of(r.chunks.begin(), r.chunks.end(), [](const msg::ChunkInfo& c) { return c.chunk_id == 0; });
    if (none) {
      std::printf("\tno chunks - empty file\n");  // also a file of holes only, as MooseFS says
      return;
    }
    for (size_t i = 0; i < r.chunks.size(); i++) {
      const msg::ChunkInfo& c = r.chunks[i];
      if (c.chunk_id == 0) {
        std::printf("\tchunk %zu: empty\n", i);
        continue;
      }
      std::printf("\tchunk %zu: %016" PRIX64 "_%08" PRIX32 " / (id:%" PRIu64 " ver:%" PRIu32 ")\n", i, c.chunk_id,
                  c.version, c.chunk_id, c.version);
      bool any_valid = false;
      for (const msg::CopyInfo& cp : c.copies) any_valid |= cp.state == msg::kCopyValid;
      if (!any_valid) std::printf("\t\tno valid copies !!!\n");
      for (size_t j = 0; j < c.copies.size(); j++)
        std::printf("\t\tcopy %zu: %s:%u (status:%s)\n", j + 1, net::ip_to_string(c.copies[j].loc.ip).c_str(),
                    c.copies[j].loc.port, state_text(c.copies[j].state));
    }
  });
}

int checkfile_main(int argc, char** argv) {
  auto app = make_app("mfscheckfile", "count the chunks of the files by their number of valid copies");
  FormatFlags ff;
  add_format_flags(*app, &ff);
  std::vector<std::string> paths;
  app->add_option("file", paths, "files to check")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  Format f = ff.format();
  return for_each_file(paths, [f](const std::string& p, const msg::ClFileInfoReply& r) {
    uint64_t by_copies[11] = {};
    for (const msg::ChunkInfo& c : r.chunks) {
      if (c.chunk_id == 0) continue;  // holes have no copies to count
      size_t valid = 0;
      for (const msg::CopyInfo& cp : c.copies) valid += cp.state == msg::kCopyValid;
      by_copies[valid < 10 ? valid : 10]++;
    }
    std::printf("%s:\n", p.c_str());
    for (int i = 0; i <= 10; i++) {
      if (by_copies[i] == 0) continue;
      std::string label = i == 1 ? " chunks with 1 copy:" : i == 10 ? " chunks with 10+ copies:"
                                                                   : " chunks with " + std::to_string(i) + " copies:";
      std::printf("%-25s%s\n", label.c_str(), count_column(by_copies[i], f).c_str());
    }
  });
}

}  // namespace antler::tools

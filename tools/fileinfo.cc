// mfsfileinfo: every chunk of a file and where its copies are; -q counts,
// -c copy checksums, -s a file signature.
#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>

#include "common/msg/base.h"
#include "common/msg/tools.h"
#include "common/net.h"
#include "tools/commands.h"
#include "tools/diag.h"
#include "tools/fileinfo_checksum.h"

namespace antler::tools {

namespace {

const char* state_text(uint8_t state) {
  switch (state) {
    case msg::kCopyValid: return "VALID";
    case msg::kCopyWrongVersion: return "WRONG VERSION";
    default: return "INVALID";
  }
}

// True iff r has no chunk, only holes (or nothing): MooseFS calls that an
// empty file.
bool no_chunks(const msg::ClFileInfoReply& r) { return r.chunks.empty(); }

// mfsfileinfo -q: valid-copy counts and the holes (none for a file without
// chunks, as MooseFS).
void print_quick(const std::string& p, const msg::ClFileInfoReply& r) {
  std::printf("%s:\n", p.c_str());
  print_copy_counts(r, Format::kPlain);
  uint64_t holes = r.slots > r.chunks.size() ? r.slots - r.chunks.size() : 0;
  if (holes > 0 && !no_chunks(r))
    std::printf("%-25s%s\n", " empty (zero) chunks:", count_column(holes, Format::kPlain).c_str());
}

struct FileInfoMode {
  bool checksums = false;  // -c
  bool signature = false;  // -s
};

// mfsfileinfo [-c] [-s]: every chunk and its copies; with -c or -s each copy's
// checksum is asked from the chunkserver holding it.
void print_chunks(const std::string& p, const msg::ClFileInfoReply& r, FileInfoMode mode, ChecksumClient& cs) {
  std::printf("%s:\n", p.c_str());
  if (no_chunks(r)) {
    std::printf("\tno chunks - empty file\n");  // also a file of holes only, as MooseFS says
    if (mode.signature) std::printf("%s signature: %s\n", p.c_str(), Signature().hex().c_str());
    return;
  }
  Signature sig;
  uint64_t slot = 0;  // the next slot to print
  auto holes_until = [&slot](uint64_t end) {
    for (; slot < end; slot++) std::printf("\tchunk %" PRIu64 ": empty\n", slot);
  };
  for (const msg::ChunkInfo& c : r.chunks) {
    holes_until(c.index);
    slot = uint64_t{c.index} + 1;
    std::printf("\tchunk %" PRIu32 ": %016" PRIX64 "_%08" PRIX32 " / (id:%" PRIu64 " ver:%" PRIu32 ")\n", c.index,
                c.chunk_id, c.version, c.chunk_id, c.version);
    std::string first;          // the first digest received
    std::string signed_digest;  // for the signature: the first intact copy's, else the first
    bool signed_bad = false;
    bool differ = false;
    for (size_t j = 0; j < c.copies.size(); j++) {
      const msg::CopyInfo& cp = c.copies[j];
      std::string where = net::ip_to_string(cp.loc.ip) + ":" + std::to_string(cp.loc.port);
      if (!mode.checksums && !mode.signature) {
        std::printf("\t\tcopy %zu: %s (status:%s)\n", j + 1, where.c_str(), state_text(cp.state));
        continue;
      }
      auto res = cs.query(cp.loc, c.chunk_id, c.version);
      if (!res) {
        std::printf("%s\n", res.status().message().c_str());
        std::printf("\t\tcopy %zu: %s (status:%s)%s\n", j + 1, where.c_str(), state_text(cp.state),
                    mode.checksums ? " - can't get checksum" : "");
        continue;
      }
      if (first.empty()) first = res->digest;
      else if (res->digest != first) differ = true;
      if (signed_digest.empty() || (res->bad_blocks == 0 && signed_bad)) {
        signed_digest = res->digest;
        signed_bad = res->bad_blocks != 0;
      }
      if (!mode.checksums) {
        std::printf("\t\tcopy %zu: %s (status:%s)\n", j + 1, where.c_str(), state_text(cp.state));
        continue;
      }
      std::string damaged = res->bad_blocks ? " ; damaged blocks: " + std::to_string(res->bad_blocks) : "";
      std::printf("\t\tcopy %zu: %s (status:%s ; blocks: %" PRIu32 " ; checksum digest: %s%s)\n", j + 1, where.c_str(),
                  state_text(cp.state), res->blocks, digest_hex(res->digest).c_str(), damaged.c_str());
    }
    if (differ) std::printf("\t\tcopies have different checksums !!!\n");
    if (mode.signature && first.empty()) std::printf("\t\tcouldn't add this chunk to signature !!!\n");
    if (mode.signature && !first.empty()) sig.add(signed_digest);
    if (valid_copies(c) == 0) std::printf("\t\tno valid copies !!!\n");
  }
  holes_until(r.slots);
  if (mode.signature) std::printf("%s signature: %s\n", p.c_str(), sig.hex().c_str());
}

}  // namespace

int fileinfo_main(int argc, char** argv) {
  auto app = make_app("mfsfileinfo",
                      "show every chunk of the files (id and version) and the chunkservers holding each copy, with "
                      "the copy's state");
  bool quick = false;
  FileInfoMode mode;
  app->add_flag("-q", quick, "quick info: only the number of chunks by valid copies (and of empty chunks)");
  app->add_flag("-c", mode.checksums, "ask every copy's checksum from the chunkserver holding it");
  app->add_flag("-s", mode.signature, "print the file's signature, computed from its chunks' checksums");
  std::vector<std::string> paths;
  app->add_option("file", paths, "files to show")->required();
  if (int rc = parse(*app, argc, argv); rc >= 0) return rc;
  ChecksumClient cs;
  return for_each_file(paths, [&](const std::string& p, const msg::ClFileInfoReply& r) {
    if (quick) print_quick(p, r);
    else print_chunks(p, r, mode, cs);
    std::fflush(stdout);
  });
}

}  // namespace antler::tools

// mfsmetadump: prints a metadata image (metadata.mfs, metadata_ml.mfs.back,
// …) as text, one line per inode, chunk, trash entry and quota, in a stable
// order: two images of the same namespace print the same text.
#include <cstdio>
#include <cstring>
#include <string>

#include "daemons/master/fs/fs.h"

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    std::printf(
        "usage: mfsmetadump IMAGE\n\n"
        "Prints the metadata image IMAGE (metadata.mfs, metadata.mfs.back, metadata_ml.mfs.back) as text:\n"
        "its version and cluster id, then every inode with its attributes, names and chunks, every chunk,\n"
        "the trash and the quotas, in a stable order. Exit status 1 if the image cannot be read.\n");
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: mfsmetadump IMAGE (mfsmetadump --help)\n");
    return 2;
  }
  antler::master::Fs fs;
  if (antler::Status s = fs.load_image(argv[1]); !s.ok()) {
    std::fprintf(stderr, "mfsmetadump: %s\n", s.message().c_str());
    return 1;
  }
  std::string text = fs.dump();
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// meta_create: creates many empty files through the client core (no FUSE),
// for the master-memory benchmark (bench/metadata.sh).
//
//   meta_create HOST PORT COUNT [THREADS]
//
// Files go to /meta-bench/dNNNNN/fNNN, 1000 per directory. Prints one line:
// "created COUNT files in SECONDS s (RATE files/s)".
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"

using antler::St;
using antler::client::Client;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: meta_create HOST PORT COUNT [THREADS]\n");
    return 2;
  }
  antler::client::Options o;
  o.master_host = argv[1];
  o.master_port = static_cast<uint16_t>(std::atoi(argv[2]));
  o.info = "meta_create";
  long count = std::atol(argv[3]);
  int threads = argc > 4 ? std::atoi(argv[4]) : 8;
  auto created = Client::create(o);
  if (!created) {
    std::fprintf(stderr, "meta_create: %s\n", created.status().message().c_str());
    return 1;
  }
  std::unique_ptr<Client> c = std::move(created).value();
  antler::msg::Cred root;
  antler::msg::Attr top;
  St st = c->mknod(root, 1, "meta-bench", antler::msg::kDir, 0755, 0, &top);
  if (st != St::kOk && c->lookup(root, 1, "meta-bench", &top) != St::kOk) {
    std::fprintf(stderr, "meta_create: cannot make /meta-bench\n");
    return 1;
  }
  long dirs = (count + 999) / 1000;
  std::atomic<long> next_dir{0};
  std::atomic<bool> failed{false};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&] {
      for (long d; (d = next_dir++) < dirs && !failed;) {
        char name[32];
        std::snprintf(name, sizeof(name), "d%05ld", d);
        antler::msg::Attr dir, f;
        if (c->mknod(root, top.inode, name, antler::msg::kDir, 0755, 0, &dir) != St::kOk) {
          failed = true;
          return;
        }
        long n = std::min(1000L, count - d * 1000);
        for (long i = 0; i < n; i++) {
          std::snprintf(name, sizeof(name), "f%03ld", i);
          if (c->mknod(root, dir.inode, name, antler::msg::kFile, 0644, 0, &f) != St::kOk) {
            failed = true;
            return;
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed) {
    std::fprintf(stderr, "meta_create: a create failed\n");
    return 1;
  }
  std::printf("created %ld files in %.1f s (%.0f files/s)\n", count, s, count / s);
  return 0;
}

// mfsclient_stress: opens, writes, reads and releases one file from many
// threads of one client core (no FUSE), and checks that a read through one
// handle sees what another handle of the same file wrote just before (and
// only buffered). Every handle of one inode must share one FileState: a
// second state for the inode (an open racing with the last release of the
// file) would hide the first one's buffered data from the read.
// Used by tests/system/client_race.sh.
//
// usage: mfsclient_stress -H HOST -P PORT [-s SECONDS] [-t THREADS] [-n NAME]
// Exit status 0: every check held; 1: a check failed (said on stderr); 2: usage
// or setup error.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "common/log.h"

namespace {

using antler::St;
using antler::client::Client;

constexpr uint64_t kRegion = antler::msg::kChunkSize;  // one chunk per writer thread
constexpr size_t kPiece = 4096;
constexpr int kSlots = 64;  // pieces per region a writer cycles through

std::atomic<bool> stop{false};
std::atomic<bool> failed{false};
std::atomic<uint64_t> iterations{0};

void failure(const std::string& what) {
  if (!failed.exchange(true)) std::fprintf(stderr, "mfsclient_stress: FAIL: %s\n", what.c_str());
  stop = true;
}

std::string payload(int thread, uint64_t iter) {
  std::string p(kPiece, '\0');
  for (size_t i = 0; i < kPiece; i += 16)
    std::snprintf(&p[i], 16, "t%02d i%010llu", thread, static_cast<unsigned long long>(iter));
  return p;
}

std::string describe(const std::string& s) {
  std::string d;
  for (char c : s.substr(0, 15)) d += (c >= 32 && c < 127) ? c : '.';
  return "'" + d + "' (" + std::to_string(s.size()) + " bytes)";
}

// open, buffer a write, open again, read it back through the second handle,
// release both. Writer k owns [k * kRegion, (k + 1) * kRegion).
void writer(Client& c, uint32_t inode, int k) {
  antler::msg::Cred root;
  for (uint64_t i = 0; !stop; i++) {
    uint64_t off = uint64_t(k) * kRegion + (i % kSlots) * kPiece;
    std::string p = payload(k, i);
    uint64_t w = 0, r = 0;
    St st = c.open(root, inode, O_RDWR, &w);
    if (st != St::kOk) return failure("open for writing: " + std::string(to_string(st)));
    st = c.write(w, off, p.data(), p.size());
    if (st != St::kOk) return failure("write: " + std::string(to_string(st)));
    st = c.open(root, inode, O_RDONLY, &r);
    if (st != St::kOk) return failure("open for reading: " + std::string(to_string(st)));
    std::string got;
    st = c.read(r, off, kPiece, &got);
    if (st != St::kOk) return failure("read: " + std::string(to_string(st)));
    if (got != p) {
      return failure("thread " + std::to_string(k) + ", iteration " + std::to_string(i) + ": read at " +
                     std::to_string(off) + " through a second handle gave " + describe(got) + ", not the " +
                     describe(p) + " just written through the first");
    }
    c.release(r);
    st = c.release(w);
    if (st != St::kOk) return failure("release after write: " + std::string(to_string(st)));
    iterations++;
  }
}

// Opens and releases without I/O: many last releases racing with opens.
void opener(Client& c, uint32_t inode) {
  antler::msg::Cred root;
  while (!stop) {
    uint64_t fh = 0;
    St st = c.open(root, inode, O_RDONLY, &fh);
    if (st != St::kOk) return failure("open (opener): " + std::string(to_string(st)));
    c.release(fh);
  }
}

// truncate(2) to the same length without a handle: holds the file's state
// locked across a request to the master, as a path truncate does.
void truncater(Client& c, uint32_t inode, uint64_t size) {
  antler::msg::Cred root;
  while (!stop) {
    antler::client::Attr v, out;
    v.size = size;
    St st = c.setattr(root, inode, antler::msg::kSetSize, v, &out);
    if (st != St::kOk) return failure("truncate: " + std::string(to_string(st)));
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

int usage() {
  std::fprintf(stderr, "usage: mfsclient_stress -H HOST -P PORT [-s SECONDS] [-t THREADS] [-n NAME]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  antler::client::Options o;
  int seconds = 20, threads = 4;
  std::string name = "stress";
  for (int opt; (opt = getopt(argc, argv, "H:P:s:t:n:")) != -1;) {
    switch (opt) {
      case 'H': o.master_host = optarg; break;
      case 'P': o.master_port = static_cast<uint16_t>(std::atoi(optarg)); break;
      case 's': seconds = std::atoi(optarg); break;
      case 't': threads = std::atoi(optarg); break;
      case 'n': name = optarg; break;
      default: return usage();
    }
  }
  if (optind != argc || threads < 1 || threads > 64 || seconds < 1) return usage();
  o.readahead_kb = 4;  // each read asks its chunkserver, not a read-ahead buffer
  o.info = "mfsclient_stress";
  auto created = Client::create(o);
  if (!created) {
    std::fprintf(stderr, "mfsclient_stress: %s\n", created.status().message().c_str());
    return 2;
  }
  std::unique_ptr<Client> c = std::move(created).value();
  antler::msg::Cred root;
  antler::client::Attr a;
  uint64_t fh = 0;
  St st = c->create(root, 1, name, 0644, O_RDWR | O_CREAT | O_TRUNC, &a, &fh);
  if (st != St::kOk) {
    std::fprintf(stderr, "mfsclient_stress: create %s: %s\n", name.c_str(), std::string(to_string(st)).c_str());
    return 2;
  }
  uint64_t size = uint64_t(threads) * kRegion;
  antler::client::Attr v, out;
  v.size = size;
  st = c->setattr(root, a.inode, antler::msg::kSetSize, v, &out);
  c->release(fh);
  if (st != St::kOk) {
    std::fprintf(stderr, "mfsclient_stress: truncate %s: %s\n", name.c_str(), std::string(to_string(st)).c_str());
    return 2;
  }

  std::vector<std::thread> ts;
  for (int k = 0; k < threads; k++) ts.emplace_back(writer, std::ref(*c), a.inode, k);
  ts.emplace_back(opener, std::ref(*c), a.inode);
  ts.emplace_back(truncater, std::ref(*c), a.inode, size);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop = true;
  for (auto& t : ts) t.join();
  std::fprintf(stderr, "mfsclient_stress: %llu write/read iterations by %d threads in %d s%s\n",
               static_cast<unsigned long long>(iterations.load()), threads, seconds, failed ? ": FAILED" : "");
  return failed ? 1 : 0;
}

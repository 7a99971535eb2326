#include "client/fuse/fuse_metrics.h"

#include <array>
#include <atomic>
#include <chrono>

namespace antler::mount {

namespace {

// The operations, in the order of the label values.
enum Op : uint8_t {
  kLookup,
  kGetattr,
  kSetattr,
  kReadlink,
  kMknod,
  kMkdir,
  kUnlink,
  kRmdir,
  kSymlink,
  kRename,
  kLink,
  kOpen,
  kRead,
  kWrite,
  kFlush,
  kRelease,
  kFsync,
  kOpendir,
  kReaddir,
  kReaddirplus,
  kReleasedir,
  kStatfs,
  kAccess,
  kCreate,
  kFallocate,
  kGetxattr,
  kListxattr,
  kSetxattr,
  kRemovexattr,
  kGetlk,
  kSetlk,
  kFlock,
  kOps
};
constexpr const char* kNames[kOps] = {
    "lookup",    "getattr",  "setattr",   "readlink",    "mknod",       "mkdir",  "unlink", "rmdir",
    "symlink",   "rename",   "link",      "open",        "read",        "write",  "flush",  "release",
    "fsync",     "opendir",  "readdir",   "readdirplus", "releasedir",  "statfs", "access", "create",
    "fallocate", "getxattr", "listxattr", "setxattr",    "removexattr", "getlk",  "setlk",  "flock"};

struct Stats {
  std::array<metrics::SharedHistogram, kOps> latency;
  std::atomic<uint64_t> read_bytes{0}, written_bytes{0};
};
Stats& stats() {
  static Stats s;
  return s;
}

fuse_lowlevel_ops g_inner;  // the wrapped table (set once, before the session starts)

template <auto Field, Op K, class... A>
void timed(fuse_req_t req, A... a) {
  auto t0 = std::chrono::steady_clock::now();
  (g_inner.*Field)(req, a...);
  stats().latency[K].observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// out.*Field = the timed wrapper of g_inner.*Field, when there is one.
template <auto Field, Op K, class... A>
void wrap(fuse_lowlevel_ops& out, void (*fn)(fuse_req_t, A...)) {
  if (fn) out.*Field = &timed<Field, K, A...>;
}
#define ANTLER_WRAP(name, op) wrap<&fuse_lowlevel_ops::name, op>(out, g_inner.name)

}  // namespace

fuse_lowlevel_ops timed_ops(const fuse_lowlevel_ops& ops) {
  g_inner = ops;
  fuse_lowlevel_ops out = ops;
  ANTLER_WRAP(lookup, kLookup);
  ANTLER_WRAP(getattr, kGetattr);
  ANTLER_WRAP(setattr, kSetattr);
  ANTLER_WRAP(readlink, kReadlink);
  ANTLER_WRAP(mknod, kMknod);
  ANTLER_WRAP(mkdir, kMkdir);
  ANTLER_WRAP(unlink, kUnlink);
  ANTLER_WRAP(rmdir, kRmdir);
  ANTLER_WRAP(symlink, kSymlink);
  ANTLER_WRAP(rename, kRename);
  ANTLER_WRAP(link, kLink);
  ANTLER_WRAP(open, kOpen);
  ANTLER_WRAP(read, kRead);
  ANTLER_WRAP(write, kWrite);
  ANTLER_WRAP(flush, kFlush);
  ANTLER_WRAP(release, kRelease);
  ANTLER_WRAP(fsync, kFsync);
  ANTLER_WRAP(opendir, kOpendir);
  ANTLER_WRAP(readdir, kReaddir);
  ANTLER_WRAP(readdirplus, kReaddirplus);
  ANTLER_WRAP(releasedir, kReleasedir);
  ANTLER_WRAP(statfs, kStatfs);
  ANTLER_WRAP(access, kAccess);
  ANTLER_WRAP(create, kCreate);
  ANTLER_WRAP(fallocate, kFallocate);
  ANTLER_WRAP(getxattr, kGetxattr);
  ANTLER_WRAP(listxattr, kListxattr);
  ANTLER_WRAP(setxattr, kSetxattr);
  ANTLER_WRAP(removexattr, kRemovexattr);
  ANTLER_WRAP(getlk, kGetlk);
  ANTLER_WRAP(setlk, kSetlk);
  ANTLER_WRAP(flock, kFlock);
  return out;
}
#undef ANTLER_WRAP

void count_read_bytes(uint64_t n) { stats().read_bytes.fetch_add(n, std::memory_order_relaxed); }
void count_written_bytes(uint64_t n) { stats().written_bytes.fetch_add(n, std::memory_order_relaxed); }

metrics::Exposition mount_metrics(client::Client& c) {
  metrics::Exposition e;
  e.gauge("antler_mount_connected", "1 while the session is connected to the master.", c.connected() ? 1 : 0);
  e.counter("antler_mount_registrations_total", "Session registrations with a master: 1, plus one per reconnection.",
            static_cast<double>(c.registrations()));
  e.counter("antler_mount_read_bytes_total", "File data returned to applications.",
            static_cast<double>(stats().read_bytes.load(std::memory_order_relaxed)));
  e.counter("antler_mount_written_bytes_total", "File data applications wrote.",
            static_cast<double>(stats().written_bytes.load(std::memory_order_relaxed)));
  for (int i = 0; i < kOps; i++) {
    metrics::LocalHistogram h = stats().latency[i].snapshot();
    if (h.count() == 0) continue;
    e.histogram("antler_mount_operation_duration_seconds", "Time mfsmount took per FUSE operation, by type.", h,
                {{"op", kNames[i]}});
  }
  return e;
}

metrics::Health mount_health(client::Client& c, const std::string& master) {
  if (!c.connected()) return {false, "not connected to master " + master + " (reconnecting; operations wait)"};
  return {true, "session with master " + master + " (registrations: " + std::to_string(c.registrations()) + ")"};
}

}  // namespace antler::mount

// LD_PRELOAD shim for system tests: a disk that starts failing.
//
// Files opened under $ANTLER_FAIL_DIR are watched; once the file
// $ANTLER_FAIL_TRIGGER exists, every read, write and sync on them fails with
// EIO (as a dying disk does), and so do new opens there. Nothing else in
// the process is touched. Used by tests/system/faults_disk.sh.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

namespace {

constexpr int kMaxFd = 65536;
std::atomic<bool> watched[kMaxFd];

bool under_dir(const char* path) {
  const char* dir = std::getenv("ANTLER_FAIL_DIR");
  if (!dir || !*dir || !path) return false;
  size_t n = std::strlen(dir);
  return std::strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

bool failing() {
  const char* trigger = std::getenv("ANTLER_FAIL_TRIGGER");
  struct stat st;
  return trigger && *trigger && ::stat(trigger, &st) == 0;
}

bool fails(int fd) { return fd >= 0 && fd < kMaxFd && watched[fd].load(std::memory_order_relaxed) && failing(); }

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

int track(int fd, const char* path) {
  if (fd >= 0 && fd < kMaxFd) watched[fd] = under_dir(path);
  return fd;
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

// An open under the failing folder fails too; others are tracked.
int open_with(int (*real)(const char*, int, ...), const char* path, int flags, mode_t mode) {
  if (under_dir(path) && failing()) {
    errno = EIO;
    return -1;
  }
  return track(real(path, flags, mode), path);
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  static auto real = next<int (*)(const char*, int, ...)>("open");
  return open_with(real, path, flags, mode);
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  static auto real = next<int (*)(const char*, int, ...)>("open64");
  return open_with(real, path, flags, mode);
}

int close(int fd) {
  if (fd >= 0 && fd < kMaxFd) watched[fd] = false;
  static auto real = next<int (*)(int)>("close");
  return real(fd);
}

#define ANTLER_FAIL_IO(ret, name, params, args)    \
  ret name params {                                \
    if (fails(fd)) {                               \
      errno = EIO;                                 \
      return -1;                                   \
    }                                              \
    static auto real = next<ret(*) params>(#name); \
    return real args;                              \
  }

ANTLER_FAIL_IO(ssize_t, pread, (int fd, void* buf, size_t n, off_t off), (fd, buf, n, off))
ANTLER_FAIL_IO(ssize_t, pread64, (int fd, void* buf, size_t n, off_t off), (fd, buf, n, off))
ANTLER_FAIL_IO(ssize_t, pwrite, (int fd, const void* buf, size_t n, off_t off), (fd, buf, n, off))
ANTLER_FAIL_IO(ssize_t, pwrite64, (int fd, const void* buf, size_t n, off_t off), (fd, buf, n, off))
ANTLER_FAIL_IO(ssize_t, read, (int fd, void* buf, size_t n), (fd, buf, n))
ANTLER_FAIL_IO(ssize_t, write, (int fd, const void* buf, size_t n), (fd, buf, n))
ANTLER_FAIL_IO(int, fsync, (int fd), (fd))
ANTLER_FAIL_IO(int, fdatasync, (int fd), (fd))

}  // extern "C"

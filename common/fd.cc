#include "common/fd.h"

#include <unistd.h>

#include <cerrno>

namespace antler {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) {
    int e = errno;
    ::close(fd_);  // the descriptor is gone even when close fails (Linux)
    errno = e;
  }
  fd_ = fd;
}

namespace {

// Loops `step(done)` (a write(2)-like call for data[done..]) until all is written.
template <class Step>
Status write_loop(const char* what, std::string_view data, Step step) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = step(done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      int e = errno;
      Status s = Status::from_errno(what, e);
      errno = e;
      return s;
    }
    done += static_cast<size_t>(n);
  }
  return Status();
}

}  // namespace

Status write_all(int fd, std::string_view data) {
  return write_loop("write", data, [&](size_t done) { return ::write(fd, data.data() + done, data.size() - done); });
}

Status pwrite_all(int fd, std::string_view data, off_t off) {
  return write_loop("pwrite", data, [&](size_t done) {
    return ::pwrite(fd, data.data() + done, data.size() - done, off + static_cast<off_t>(done));
  });
}

}  // namespace antler

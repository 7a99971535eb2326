// File descriptors: one owner type and the write loops every caller needs.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "common/status.h"

namespace antler {

// Owns one file descriptor (-1: none) and closes it when destroyed, reset or
// assigned over. Move-only. Closing keeps errno, so an error path may close
// and then report errno.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  // Gives the descriptor up without closing it; holds none afterwards.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the held descriptor (if any) and holds fd instead.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Writes all of data, looping on short writes and EINTR. On failure returns
// "write: <strerror>" (pwrite_all: "pwrite: <strerror>") with the code from
// errno, and leaves errno as the failed call set it. A call that writes
// nothing fails with EIO rather than looping.
Status write_all(int fd, std::string_view data);
// The same at file offset off (pwrite(2): the file position does not move).
Status pwrite_all(int fd, std::string_view data, off_t off);

}  // namespace antler

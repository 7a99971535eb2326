// The changelog's file, reached through a small interface (leveldb's Env)
// so that a test can make a write fail or stop short, or an fsync fail
// (tests/unit/master/store/changelog_fault_test.cc).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

namespace antler::master {

class LogFile {
 public:
  virtual ~LogFile() = default;
  // As write(2) at the end of the file: the bytes written (maybe fewer than
  // n), or -1 with errno set.
  virtual ssize_t write(const char* data, size_t n) = 0;
  // As fsync(2): 0, or -1 with errno set.
  virtual int sync() = 0;
};

class LogFiles {
 public:
  virtual ~LogFiles() = default;
  // Opens path for appending, creating it (mode 0644); nullptr with errno
  // set if it cannot.
  virtual std::unique_ptr<LogFile> open_append(const std::string& path) = 0;
  // The real files: open(2), write(2), fsync(2), close(2). Never deleted.
  static LogFiles* posix();
};

}  // namespace antler::master

#include "daemons/master/store/log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "common/fd.h"

namespace antler::master {

namespace {

class PosixLogFile : public LogFile {
 public:
  explicit PosixLogFile(UniqueFd fd) : fd_(std::move(fd)) {}
  ssize_t write(const char* data, size_t n) override { return ::write(fd_.get(), data, n); }
  int sync() override { return ::fsync(fd_.get()); }

 private:
  UniqueFd fd_;
};

class PosixLogFiles : public LogFiles {
 public:
  std::unique_ptr<LogFile> open_append(const std::string& path) override {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) return nullptr;
    return std::make_unique<PosixLogFile>(std::move(fd));
  }
};

}  // namespace

LogFiles* LogFiles::posix() {
  static PosixLogFiles files;
  return &files;
}

}  // namespace antler::master

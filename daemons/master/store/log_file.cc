#include "daemons/master/store/log_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace antler::master {

namespace {

class PosixLogFile : public LogFile {
 public:
  explicit PosixLogFile(int fd) : fd_(fd) {}
  ~PosixLogFile() override { ::close(fd_); }
  ssize_t write(const char* data, size_t n) override { return ::write(fd_, data, n); }
  int sync() override { return ::fsync(fd_); }

 private:
  int fd_;
};

class PosixLogFiles : public LogFiles {
 public:
  std::unique_ptr<LogFile> open_append(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return nullptr;
    return std::make_unique<PosixLogFile>(fd);
  }
};

}  // namespace

LogFiles* LogFiles::posix() {
  static PosixLogFiles files;
  return &files;
}

}  // namespace antler::master

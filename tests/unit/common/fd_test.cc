// UniqueFd closes what it owns; write_all/pwrite_all finish short writes
// and report errno through Status.
#include "common/fd.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace antler {
namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

struct Pipe {
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  int r = -1, w = -1;
};

TEST(UniqueFd, DefaultHoldsNothing) {
  UniqueFd fd;
  EXPECT_FALSE(fd.valid());
  EXPECT_FALSE(fd);
  EXPECT_EQ(fd.get(), -1);
  fd.reset();  // closing nothing is fine
  EXPECT_EQ(fd.release(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
  Pipe p;
  {
    UniqueFd r(p.r), w(p.w);
    EXPECT_TRUE(r);
    EXPECT_EQ(r.get(), p.r);
  }
  EXPECT_FALSE(is_open(p.r));
  EXPECT_FALSE(is_open(p.w));
}

TEST(UniqueFd, ResetClosesTheOldAndHoldsTheNew) {
  Pipe p;
  UniqueFd fd(p.r);
  fd.reset(p.w);
  EXPECT_FALSE(is_open(p.r));
  EXPECT_TRUE(is_open(p.w));
  EXPECT_EQ(fd.get(), p.w);
  fd.reset(p.w);  // resetting to the same descriptor keeps it open
  EXPECT_TRUE(is_open(p.w));
  fd.reset();
  EXPECT_FALSE(is_open(p.w));
  EXPECT_FALSE(fd);
}

TEST(UniqueFd, ResetKeepsErrno) {
  Pipe p;
  UniqueFd fd(p.r);
  errno = ENOSPC;
  fd.reset();
  EXPECT_EQ(errno, ENOSPC);
  ::close(p.w);
}

TEST(UniqueFd, MoveTransfersOwnership) {
  Pipe p;
  UniqueFd a(p.r);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from holds nothing
  EXPECT_EQ(b.get(), p.r);
  EXPECT_TRUE(is_open(p.r));
  UniqueFd c(p.w);
  c = std::move(b);  // closes what c held
  EXPECT_FALSE(is_open(p.w));
  EXPECT_TRUE(is_open(p.r));
  EXPECT_EQ(c.get(), p.r);
  c = UniqueFd();
  EXPECT_FALSE(is_open(p.r));
}

TEST(UniqueFd, ReleaseGivesUpWithoutClosing) {
  Pipe p;
  int fd;
  {
    UniqueFd r(p.r);
    fd = r.release();
    EXPECT_FALSE(r);
  }
  EXPECT_EQ(fd, p.r);
  EXPECT_TRUE(is_open(p.r));
  ::close(p.r);
  ::close(p.w);
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

std::atomic<int> g_alarms{0};
void on_alarm(int) { g_alarms++; }

// A small pipe, a slow reader, and SIGALRM every millisecond without
// SA_RESTART: write(2) comes back short or with EINTR again and again.
TEST(WriteAll, FinishesShortAndInterruptedWritesOverAPipe) {
  Pipe p;
  UniqueFd r(p.r), w(p.w);
  ::fcntl(w.get(), F_SETPIPE_SZ, 4096);
  const std::string data = pattern(1 << 20);
  std::string got;
  std::thread reader([&] {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &block, nullptr);  // the writer takes the signals
    char buf[1000];
    for (;;) {
      ssize_t n = ::read(r.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
      if (got.size() % 50000 < sizeof buf) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  struct sigaction sa {
  }, old{};
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART
  ASSERT_EQ(::sigaction(SIGALRM, &sa, &old), 0);
  itimerval every_ms{{0, 1000}, {0, 1000}}, off{};
  ::setitimer(ITIMER_REAL, &every_ms, nullptr);
  Status s = write_all(w.get(), data);
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old, nullptr);
  EXPECT_TRUE(s.ok()) << s.to_string();
  w.reset();
  reader.join();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  RecordProperty("alarms", g_alarms.load());
}

TEST(WriteAll, NoSpaceOnDevFull) {
  UniqueFd fd(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(fd) << "no /dev/full";
  errno = 0;
  Status s = write_all(fd.get(), "data");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), St::kNoSpace);
  EXPECT_EQ(s.message(), "write: No space left on device");
  EXPECT_EQ(errno, ENOSPC);
  s = pwrite_all(fd.get(), "data", 4096);
  EXPECT_EQ(s.code(), St::kNoSpace);
  EXPECT_EQ(s.message(), "pwrite: No space left on device");
}

TEST(WriteAll, BadDescriptor) {
  Pipe p;
  ::close(p.r);
  ::close(p.w);
  Status s = write_all(p.w, "data");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "write: Bad file descriptor");
  EXPECT_EQ(errno, EBADF);
  s = pwrite_all(-1, "data", 0);
  EXPECT_EQ(s.message(), "pwrite: Bad file descriptor");
  EXPECT_TRUE(write_all(-1, "").ok());  // nothing to write: no call at all
}

TEST(PwriteAll, WritesAtTheOffsetAndLeavesThePosition) {
  char path[] = "/tmp/antler_fd_test_XXXXXX";
  UniqueFd fd(::mkstemp(path));
  ASSERT_TRUE(fd);
  ::unlink(path);
  const std::string data = pattern(300000);
  ASSERT_TRUE(pwrite_all(fd.get(), data, 8192).ok());
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 0);
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_END), 8192 + static_cast<off_t>(data.size()));
  std::string back(data.size(), '\0');
  ASSERT_EQ(::pread(fd.get(), back.data(), back.size(), 8192), static_cast<ssize_t>(back.size()));
  EXPECT_TRUE(back == data);
  ASSERT_EQ(::lseek(fd.get(), 0, SEEK_SET), 0);
  ASSERT_TRUE(write_all(fd.get(), "head").ok());  // write_all moves the position
  EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 4);
}

}  // namespace
}  // namespace antler

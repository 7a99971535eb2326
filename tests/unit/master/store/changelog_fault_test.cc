// A changelog write that fails or stops short (or a failed fsync) puts the
// store in its sticky failed state: nothing more is applied or written, and
// recovery from the files on disk gives the state of the last complete line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "daemons/master/fs/fs.h"
#include "daemons/master/store/store.h"

namespace antler::master {
namespace {

// Real files, with trouble on demand: after `budget` more bytes a write
// writes what fits and returns that count (short), or, with nothing left,
// fails with `error`; sync fails with `sync_error` if set.
class FaultFiles : public LogFiles {
 public:
  static constexpr int64_t kUnlimited = -1;
  int64_t budget = kUnlimited;
  int error = ENOSPC;
  int sync_error = 0;
  int writes = 0;  // write calls, counted also when they fail

  std::unique_ptr<LogFile> open_append(const std::string& path) override {
    auto real = LogFiles::posix()->open_append(path);
    if (!real) return nullptr;
    return std::make_unique<File>(this, std::move(real));
  }

 private:
  class File : public LogFile {
   public:
    File(FaultFiles* f, std::unique_ptr<LogFile> real) : f_(f), real_(std::move(real)) {}
    ssize_t write(const char* data, size_t n) override {
      f_->writes++;
      if (f_->budget == kUnlimited) return real_->write(data, n);
      if (f_->budget == 0) {
        errno = f_->error;
        return -1;
      }
      size_t now = std::min<size_t>(n, static_cast<size_t>(f_->budget));
      ssize_t w = real_->write(data, now);
      if (w > 0) f_->budget -= w;
      return w;
    }
    int sync() override {
      if (f_->sync_error) {
        errno = f_->sync_error;
        return -1;
      }
      return real_->sync();
    }

   private:
    FaultFiles* f_;
    std::unique_ptr<LogFile> real_;
  };
};

class ChangelogFault : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "changelog_fault_" + std::to_string(getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string log0() const { return dir_ + "/changelog.0.mfs"; }
  std::string read(const std::string& f) const {
    std::ifstream in(f, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static OpCreate create(const std::string& name, uint32_t inode) {
    return OpCreate{1, name, msg::kFile, 0644, 0, 0, 0, inode};
  }

  std::string dir_;
};

TEST_F(ChangelogFault, ShortWriteIsStickyAndRecoveryDropsTheTornLine) {
  FaultFiles files;
  Fs fs;
  Store s(fs, dir_, 5, &files);
  std::string err;
  ASSERT_EQ(s.open(false, 7, 1, 0).to_string(), "ok");
  EXPECT_FALSE(s.failed());
  EXPECT_EQ(s.failure(), "");
  ASSERT_EQ(s.commit(create("a", 2)), St::kOk);
  ASSERT_EQ(s.commit(create("b", 3)), St::kOk);
  const uint64_t good = fs.version();
  const std::string before = read(log0());
  ASSERT_EQ(before.back(), '\n');

  files.budget = 10;  // the next line gets 10 bytes in
  EXPECT_EQ(s.commit(create("c", 4)), St::kMetaFailed);
  ASSERT_TRUE(s.failed());
  EXPECT_NE(s.failure().find(log0()), std::string::npos) << s.failure();
  EXPECT_NE(s.failure().find("short write"), std::string::npos) << s.failure();
  const std::string torn = read(log0());
  ASSERT_EQ(torn.size(), before.size() + 10);
  EXPECT_EQ(torn.compare(0, before.size(), before), 0);
  EXPECT_NE(torn.back(), '\n');
  // Memory keeps the refused change (Store::failed says why that is safe).
  EXPECT_EQ(fs.child(1, "c"), 4u);
  EXPECT_EQ(fs.version(), good + 1);

  // Even with room again, nothing is applied and not a byte is written.
  files.budget = FaultFiles::kUnlimited;
  const int writes = files.writes;
  EXPECT_EQ(s.commit(create("d", 5)), St::kMetaFailed);
  EXPECT_EQ(s.commit(OpUnlink{1, "a"}), St::kMetaFailed);
  EXPECT_EQ(fs.child(1, "d"), 0u);
  EXPECT_EQ(fs.child(1, "a"), 2u);
  EXPECT_EQ(fs.version(), good + 1);
  EXPECT_EQ(files.writes, writes);
  // No image either: not in the background, not at stop.
  EXPECT_FALSE(s.save_in_background());
  Status saved = s.save_now();
  EXPECT_EQ(saved.code(), St::kMetaFailed);
  EXPECT_NE(saved.message().find("mfsmaster -a"), std::string::npos) << saved.message();
  EXPECT_EQ(read(log0()), torn);
  Result<uint64_t> image = Fs::image_version(dir_ + "/metadata.mfs");
  ASSERT_TRUE(image) << image.status().to_string();
  EXPECT_EQ(*image, 0u);  // the new file system's first image
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/changelog.1.mfs"));

  // Recovery from the files: the state of the last complete line.
  {
    Fs r;
    Store rs(r, dir_, 5);
    err = rs.open(false, 7, 1, 0).message();  // lines newer than the image
    EXPECT_NE(err.find("-a"), std::string::npos) << err;
  }
  {
    Fs r;
    Store rs(r, dir_, 5);
    ASSERT_EQ(rs.open(true, 7, 1, 0).to_string(), "ok");
    rs.finish_background();
    EXPECT_FALSE(rs.failed());
    EXPECT_EQ(r.version(), good);
    EXPECT_EQ(r.child(1, "a"), 2u);
    EXPECT_EQ(r.child(1, "b"), 3u);
    EXPECT_EQ(r.child(1, "c"), 0u);
    // The recovered master gives the torn line's version to a new change;
    // the torn fragment (now in changelog.1.mfs) never gets in its way.
    ASSERT_EQ(rs.commit(create("e", 4)), St::kOk);
    EXPECT_EQ(r.version(), good + 1);
  }
  {
    Fs r;
    Store rs(r, dir_, 5);
    ASSERT_EQ(rs.open(true, 7, 1, 0).to_string(), "ok");
    rs.finish_background();
    EXPECT_EQ(r.version(), good + 1);
    EXPECT_EQ(r.child(1, "e"), 4u);
    EXPECT_EQ(r.child(1, "c"), 0u);
    ASSERT_EQ(rs.save_now().to_string(), "ok");
  }
  {
    // Clean now: a normal start, the torn fragment in an old changelog
    // notwithstanding.
    Fs r;
    Store rs(r, dir_, 5);
    ASSERT_EQ(rs.open(false, 7, 1, 0).to_string(), "ok");
    EXPECT_EQ(r.version(), good + 1);
  }
}

TEST_F(ChangelogFault, FailedWriteNamesTheErrorAndWritesNothing) {
  FaultFiles files;
  Fs fs;
  Store s(fs, dir_, 5, &files);
  ASSERT_EQ(s.open(false, 7, 1, 0).to_string(), "ok");
  ASSERT_EQ(s.commit(create("a", 2)), St::kOk);
  const std::string before = read(log0());
  files.budget = 0;
  files.error = ENOSPC;
  EXPECT_EQ(s.commit(create("b", 3)), St::kMetaFailed);
  EXPECT_NE(s.failure().find(log0()), std::string::npos) << s.failure();
  EXPECT_NE(s.failure().find(std::strerror(ENOSPC)), std::string::npos) << s.failure();
  files.budget = FaultFiles::kUnlimited;
  EXPECT_EQ(s.commit(create("c", 4)), St::kMetaFailed);
  EXPECT_EQ(read(log0()), before);
  // The failure stays the first one.
  EXPECT_NE(s.failure().find(std::strerror(ENOSPC)), std::string::npos) << s.failure();

  Fs r;
  Store rs(r, dir_, 5);
  ASSERT_EQ(rs.open(true, 7, 1, 0).to_string(), "ok");
  rs.finish_background();
  EXPECT_EQ(r.child(1, "a"), 2u);
  EXPECT_EQ(r.child(1, "b"), 0u);
  EXPECT_EQ(r.child(1, "c"), 0u);
}

TEST_F(ChangelogFault, FailedFsyncAtRotationFailsTheStore) {
  FaultFiles files;
  Fs fs;
  Store s(fs, dir_, 5, &files);
  ASSERT_EQ(s.open(false, 7, 1, 0).to_string(), "ok");
  ASSERT_EQ(s.commit(create("a", 2)), St::kOk);
  files.sync_error = EIO;
  EXPECT_FALSE(s.save_in_background());  // rotation syncs the changelog first
  ASSERT_TRUE(s.failed());
  EXPECT_NE(s.failure().find("fsync"), std::string::npos) << s.failure();
  EXPECT_NE(s.failure().find(std::strerror(EIO)), std::string::npos) << s.failure();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/changelog.1.mfs"));  // not rotated
  const int writes = files.writes;
  EXPECT_EQ(s.commit(create("b", 3)), St::kMetaFailed);
  EXPECT_EQ(fs.child(1, "b"), 0u);
  EXPECT_EQ(files.writes, writes);
  EXPECT_FALSE(s.save_now().ok());

  Fs r;
  Store rs(r, dir_, 5);
  ASSERT_EQ(rs.open(true, 7, 1, 0).to_string(), "ok");
  rs.finish_background();
  EXPECT_EQ(r.child(1, "a"), 2u);
}

// A torn line is only ever the last one of a file: one in the middle is
// damage, and recovery still refuses it.
TEST_F(ChangelogFault, RecoveryRefusesATornLineInTheMiddle) {
  std::string err;
  {
    Fs fs;
    Store s(fs, dir_, 5);
    ASSERT_EQ(s.open(false, 7, 1, 0).to_string(), "ok");
    ASSERT_EQ(s.commit(create("a", 2)), St::kOk);
    ASSERT_EQ(s.commit(create("b", 3)), St::kOk);
  }
  std::string text = read(log0());
  size_t first_end = text.find('\n');
  ASSERT_NE(first_end, std::string::npos);
  // The first line cut short, the second appended after it (the old bug).
  text.erase(first_end - 5, 6);
  std::ofstream(log0(), std::ios::binary | std::ios::trunc) << text;
  Fs r;
  Store rs(r, dir_, 5);
  err = rs.open(true, 7, 1, 0).message();
  EXPECT_NE(err.find("unreadable changelog line"), std::string::npos) << err;
}

// A length no file may have (written by a master before lengths were
// bounded) stops recovery with the line's version and the reason.
TEST_F(ChangelogFault, RecoveryRefusesAnImpossibleLength) {
  {
    Fs fs;
    Store s(fs, dir_, 5);
    ASSERT_EQ(s.open(false, 7, 1, 0).to_string(), "ok");
    ASSERT_EQ(s.commit(create("a", 2)), St::kOk);
    ASSERT_EQ(s.commit(OpWrite{2, 12345}), St::kOk);
    EXPECT_EQ(s.commit(OpWrite{2, uint64_t{1} << 63}), St::kTooBig) << "refused live";
  }
  std::string text = read(log0());
  size_t at = text.find("12345");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 5, "9223372036854775808");
  std::ofstream(log0(), std::ios::binary | std::ios::trunc) << text;
  Fs r;
  Store rs(r, dir_, 5);
  std::string err = rs.open(true, 7, 1, 0).message();
  EXPECT_NE(err.find("version 2 does not apply"), std::string::npos) << err;
}

}  // namespace
}  // namespace antler::master

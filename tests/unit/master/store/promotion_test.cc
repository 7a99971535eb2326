// Recovery (-a) and epochs: metadata recovered past what the folder's own
// files hold came from a metalogger, a promotion, which starts a new cluster
// epoch (OpEpoch, logged and in the image); recovery of a master's own files
// keeps the epoch, so a stale master restarted from its old disk stays fenced.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/epoch.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/store/store.h"

namespace antler::master {
namespace {

namespace fsys = std::filesystem;

class Promotion : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/antler-promotion-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fsys::create_directories(root_ + "/master");
    fsys::create_directories(root_ + "/ml");
  }
  void TearDown() override { fsys::remove_all(root_); }

  // A master's folder whose image is at version 0 and whose changelog
  // holds versions 1..n.
  void master_with(int n) {
    Fs fs;
    Store store(fs, root_ + "/master", 50);
    ASSERT_TRUE(store.open(false, 0x5eed, 1, 0).ok());
    for (int i = 1; i <= n; i++) ASSERT_EQ(store.commit(OpChunkId{static_cast<uint64_t>(i)}), St::kOk);
  }
  std::string root_;
};

TEST_F(Promotion, RecoveringAMetaloggersFilesStartsANewEpoch) {
  master_with(5);
  // What a metalogger has: the image and every line.
  fsys::copy_file(root_ + "/master/metadata.mfs", root_ + "/ml/metadata_ml.mfs.back");
  fsys::copy_file(root_ + "/master/changelog.0.mfs", root_ + "/ml/changelog_ml.0.mfs");
  {
    Fs fs;
    Store store(fs, root_ + "/ml", 50);
    ASSERT_TRUE(store.open(true, 1, 1, 0, 0x77).ok());
    EXPECT_EQ(fs.epoch(), 1u);
    EXPECT_EQ(fs.epoch_id(), 0x77u);
    EXPECT_EQ(fs.version(), 6u);  // the epoch is a change of its own
    ASSERT_TRUE(store.save_now().ok());
  }
  Fs again;
  ASSERT_TRUE(again.load_image(root_ + "/ml/metadata.mfs").ok());
  EXPECT_EQ(again.epoch(), 1u);
  EXPECT_EQ(again.epoch_id(), 0x77u);
  EXPECT_NE(again.dump().find("\nepoch 1 "), std::string::npos);
}

TEST_F(Promotion, RecoveringAMastersOwnFilesKeepsItsEpoch) {
  master_with(5);
  Fs fs;
  Store store(fs, root_ + "/master", 50);
  ASSERT_TRUE(store.open(true, 1, 1, 0, 0x77).ok());
  EXPECT_EQ(fs.epoch(), 0u);
  EXPECT_EQ(fs.version(), 5u);
}

TEST(Epochs, APeerRefusesOlderEpochsAndAnotherMasterOfItsOwn) {
  EXPECT_EQ(epoch_refusal({}, {}), "");
  EXPECT_EQ(epoch_refusal({}, {3, 9}), "");
  EXPECT_EQ(epoch_refusal({3, 9}, {3, 9}), "");
  EXPECT_EQ(epoch_refusal({3, 9}, {4, 1}), "");
  EXPECT_NE(epoch_refusal({3, 9}, {2, 9}).find("stale master"), std::string::npos);
  EXPECT_NE(epoch_refusal({3, 9}, {3, 8}).find("two masters"), std::string::npos);
}

TEST(Epochs, TheEpochFileKeepsWhatWasSeen) {
  char tmpl[] = "/tmp/antler-epoch-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string f = std::string(tmpl) + "/e";
  auto none = read_epoch_file(f);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->epoch, 0u);
  ASSERT_TRUE(write_epoch_file(f, {7, 0xfeedface12345678}).ok());
  auto e = read_epoch_file(f);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->epoch, 7u);
  EXPECT_EQ(e->id, 0xfeedface12345678u);
  std::ofstream(f) << "garbage";
  EXPECT_FALSE(read_epoch_file(f).ok());
  fsys::remove_all(tmpl);
}

}  // namespace
}  // namespace antler::master

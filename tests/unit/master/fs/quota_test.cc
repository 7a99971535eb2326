// Directory usage figures and quotas: exact across every operation that
// moves inodes or bytes, and the hard/soft/grace rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "daemons/master/fs/fs.h"

namespace antler::master {
namespace {

constexpr int64_t T = 1700000000LL * 1000000000LL;
constexpr int64_t S = 1000000000LL;
constexpr int64_t kChunk = 64 << 20, kBlock = 64 << 10, kHdr = 8192;

Fs fresh() {
  Fs fs;
  fs.init_empty(77, T, 2, 100);  // goal 2, trash time 100 s
  return fs;
}

const Usage& below(const Fs& fs, uint32_t dir) { return fs.node(dir)->children->usage; }

// The usage kept live equals a count from scratch (an image reload).
void expect_recount(const Fs& fs) {
  std::string path = ::testing::TempDir() + "quota_img_" + std::to_string(getpid());
  ASSERT_EQ(fs.save_image(path).to_string(), "ok");
  Fs again;
  ASSERT_EQ(again.load_image(path).to_string(), "ok");
  EXPECT_EQ(again.dump(), fs.dump());
  std::remove(path.c_str());
}

TEST(Usage, FollowsFilesChunksLinksRenamesTrashAndSnapshots) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "q", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "sub", msg::kDir, 0755, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{3, "f", msg::kFile, 0644, 0, 0, 0, 4}, T), St::kOk);
  EXPECT_EQ(below(fs, 2), (Usage{2, 1, 1, 0, 0, 0, 0}));
  // 100 MiB + 1 byte in two chunks: one full, one of 36 MiB + 1 byte
  ASSERT_EQ(fs.apply(OpSetChunk{4, 0, 10, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetChunk{4, 1, 11, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpWrite{4, (100 << 20) + 1}, T), St::kOk);
  int64_t size = kChunk + kHdr + (36 << 20) + kBlock + kHdr;
  Usage f{1, 0, 1, 2, (100 << 20) + 1, size, 2 * size};
  EXPECT_EQ(fs.usage(*fs.node(4)), f);
  EXPECT_EQ(below(fs, 3), f);
  EXPECT_EQ(below(fs, 2), (Usage{2, 1, 1, 2, f.length, size, 2 * size}));
  EXPECT_EQ(below(fs, 1).realsize, 2 * size);
  // goal 3: realsize follows
  ASSERT_EQ(fs.apply(OpSetAttrib{2, 0, msg::kAttrGoal, 3, msg::kSetExact, 1}, T), St::kOk);
  EXPECT_EQ(below(fs, 2).realsize, 3 * size);
  // a second name counts again where it is
  ASSERT_EQ(fs.apply(OpLink{4, 1, "link"}, T), St::kOk);
  EXPECT_EQ(below(fs, 1).files, 2);
  EXPECT_EQ(below(fs, 2).files, 1);
  // truncate into the first chunk
  ASSERT_EQ(fs.apply(OpTruncate{4, 1000}, T), St::kOk);
  EXPECT_EQ(below(fs, 3), (Usage{1, 0, 1, 1, 1000, kBlock + kHdr, 3 * (kBlock + kHdr)}));
  // a rename out of q
  ASSERT_EQ(fs.apply(OpRename{2, "sub", 1, "moved"}, T), St::kOk);
  EXPECT_EQ(below(fs, 2), Usage{});
  EXPECT_EQ(below(fs, 1).inodes, 4);  // q, moved, f, and f again as link
  // exchange q (empty) and moved
  ASSERT_EQ(fs.apply(OpCreate{2, "x", msg::kFifo, 0644, 0, 0, 0, 5}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpRename{3, "f", 2, "x", msg::kRenameExchange}, T), St::kOk);
  EXPECT_EQ(below(fs, 2).files, 1);
  EXPECT_EQ(below(fs, 3).files, 0);
  EXPECT_EQ(below(fs, 3).inodes, 1);
  expect_recount(fs);
  // snapshot of q: its copy counts the same
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "snap", 100, 0, 0, 0, 022}, T), St::kOk);
  EXPECT_EQ(below(fs, 100), below(fs, 2));
  // trash: gone from usage; undelete brings it back
  Usage before = below(fs, 1);
  ASSERT_EQ(fs.apply(OpUnlink{1, "link"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{2, "x"}, T), St::kOk);
  EXPECT_EQ(fs.trash().count(4), 1u);
  EXPECT_EQ(below(fs, 2), Usage{});
  ASSERT_EQ(fs.apply(OpUndel{4, 200}, T), St::kOk);
  EXPECT_EQ(below(fs, 2).files, 1);
  Usage now = below(fs, 1);
  now.add(fs.usage(*fs.node(4)), 1);  // the "link" name is not back
  EXPECT_EQ(now, before);
  expect_recount(fs);
}

TEST(Quota, HardLimitsRefuseGrowthOnly) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "q", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetQuota{2, 0, 0, 0, 0, 2, 1000, 0, 0, 0}, T), St::kOk);
  ASSERT_NE(fs.quota(2), nullptr);
  Usage one;
  one.inodes = 1;
  EXPECT_EQ(fs.quota_allows(2, one, T, 3600), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "a", msg::kFile, 0644, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "b", msg::kDir, 0755, 0, 0, 0, 4}, T), St::kOk);
  EXPECT_EQ(fs.quota_allows(2, one, T, 3600), St::kQuota);
  EXPECT_EQ(fs.quota_allows(4, one, T, 3600), St::kQuota);  // below counts too
  EXPECT_EQ(fs.quota_allows(1, one, T, 3600), St::kOk);     // beside does not
  // length: up to 1000 bytes
  const Node& a = *fs.node(3);
  Usage grow = fs.file_usage_if(a, 1000, 0);
  grow.add(fs.usage(a), -1);
  EXPECT_EQ(fs.quota_allows(2, grow, T, 3600), St::kOk);
  grow = fs.file_usage_if(a, 1001, 0);
  grow.add(fs.usage(a), -1);
  EXPECT_EQ(fs.quota_allows(2, grow, T, 3600), St::kQuota);
  Usage shrink;
  shrink.length = -5;
  EXPECT_EQ(fs.quota_allows(2, shrink, T, 3600), St::kOk);
  // a rename inside the quota directory moves nothing across it
  Usage dir_usage = fs.usage(*fs.node(4));
  EXPECT_EQ(fs.quota_allows(4, fs.usage(a), T, 3600, 2), St::kOk);
  EXPECT_EQ(fs.quota_allows(2, dir_usage, T, 3600, 1), St::kQuota);  // into it from outside
  // removing every limit removes the quota; the image keeps it meanwhile
  expect_recount(fs);
  ASSERT_EQ(fs.apply(OpSetQuota{2}, T), St::kOk);
  EXPECT_EQ(fs.quota(2), nullptr);
  EXPECT_FALSE(fs.node(2)->has_quota);
  EXPECT_EQ(fs.apply(OpSetQuota{3, 1}, T), St::kNotDir);
}

TEST(Quota, SoftLimitStartsGraceWhichIsKeptAcrossInnerRenames) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "q", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "d", msg::kDir, 0755, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetQuota{2, 2, 0, 0, 0, 0, 0, 0, 0, 60}, T), St::kOk);  // soft 2 inodes, grace 60 s
  EXPECT_EQ(fs.quota(2)->exceeded_ns, 0);
  Usage one;
  one.inodes = 1;
  ASSERT_EQ(fs.apply(OpCreate{2, "a", msg::kFile, 0644, 0, 0, 0, 4}, T + S), St::kOk);  // at the limit
  EXPECT_EQ(fs.quota(2)->exceeded_ns, 0);
  ASSERT_EQ(fs.apply(OpCreate{3, "b", msg::kFile, 0644, 0, 0, 0, 5}, T + 2 * S), St::kOk);  // over: grace starts
  EXPECT_EQ(fs.quota(2)->exceeded_ns, T + 2 * S);
  EXPECT_EQ(fs.quota_allows(2, one, T + 61 * S, 3600), St::kOk);
  ASSERT_EQ(fs.apply(OpRename{3, "b", 2, "b"}, T + 30 * S), St::kOk);  // inside: the timer stays
  EXPECT_EQ(fs.quota(2)->exceeded_ns, T + 2 * S);
  EXPECT_EQ(fs.quota_allows(2, one, T + 63 * S, 3600), St::kQuota);  // grace over: soft acts as hard
  Usage shrink;
  shrink.inodes = -1;
  EXPECT_EQ(fs.quota_allows(2, shrink, T + 63 * S, 3600), St::kOk);
  // back under the limit: the timer stops
  ASSERT_EQ(fs.apply(OpUnlink{2, "b"}, T + 64 * S), St::kOk);
  EXPECT_EQ(fs.quota(2)->exceeded_ns, 0);
  EXPECT_EQ(fs.quota_allows(2, one, T + 65 * S, 3600), St::kOk);
  // grace 0 in the quota: the master's default applies
  ASSERT_EQ(fs.apply(OpSetQuota{2, 1}, T + 70 * S), St::kOk);
  EXPECT_EQ(fs.quota(2)->exceeded_ns, T + 70 * S);
  EXPECT_EQ(fs.quota_allows(2, one, T + 75 * S, 10), St::kOk);
  EXPECT_EQ(fs.quota_allows(2, one, T + 81 * S, 10), St::kQuota);
  // rmdir drops the quota with the directory
  ASSERT_EQ(fs.apply(OpUnlink{2, "d"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{2, "a"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{1, "q"}, T), St::kOk);
  EXPECT_TRUE(fs.quotas().empty());
}

}  // namespace
}  // namespace antler::master

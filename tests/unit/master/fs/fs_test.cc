// Namespace operations, changelog text, images and replay equality.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "common/crc.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/fs/perm.h"
#include "daemons/master/sessions/exports.h"
#include "daemons/master/store/store.h"

namespace antler::master {
namespace {

constexpr int64_t T = 1700000000LL * 1000000000LL;

Fs fresh(uint32_t trashtime = 0) {
  Fs fs;
  fs.init_empty(77, T, 2, trashtime);
  return fs;
}

TEST(Fs, CreateLookupUnlink) {
  Fs fs = fresh(86400);
  ASSERT_EQ(fs.apply(OpCreate{1, "a", msg::kFile, 0644, 5, 6, 0, 2}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpCreate{1, "a", msg::kFile, 0644, 5, 6, 0, 3}, T), St::kExist);
  EXPECT_EQ(fs.child(1, "a"), 2u);
  const Node* n = fs.node(2);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->goal, 2);  // inherited from root
  EXPECT_EQ(n->trashtime, 86400u);
  EXPECT_EQ(fs.attr(*n).nlink, 1u);
  EXPECT_EQ(fs.apply(OpUnlink{1, "a"}, T), St::kOk);
  // trash time 86400: in the trash, under its old path
  ASSERT_NE(fs.node(2), nullptr);
  EXPECT_EQ(fs.node(2)->nlink, 0u);
  ASSERT_EQ(fs.trash().count(2), 1u);
  EXPECT_EQ(fs.trash().at(2).path, "a");
  EXPECT_TRUE(fs.sustained().empty());
  EXPECT_EQ(fs.apply(OpUnlink{1, "a"}, T), St::kNoEnt);
  EXPECT_EQ(fs.apply(OpPurge{2}, T), St::kOk);
  EXPECT_EQ(fs.node(2), nullptr);
  EXPECT_TRUE(fs.trash().empty());
}

TEST(Fs, ParentsFollowEveryName) {
  Fs fs = fresh(100);
  ASSERT_EQ(fs.apply(OpCreate{1, "a", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{1, "b", msg::kDir, 0755, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "f", msg::kFile, 0644, 0, 0, 0, 4}, T), St::kOk);
  auto parents = [&](uint32_t id) { return fs.parents(*fs.node(id)); };
  EXPECT_EQ(parents(4), std::vector<uint32_t>{2});
  ASSERT_EQ(fs.apply(OpLink{4, 3, "g"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpLink{4, 3, "h"}, T), St::kOk);
  EXPECT_EQ(parents(4), (std::vector<uint32_t>{2, 3, 3}));
  ASSERT_EQ(fs.apply(OpUnlink{2, "f"}, T), St::kOk);  // the first name goes
  EXPECT_EQ(parents(4), (std::vector<uint32_t>{3, 3}));
  ASSERT_EQ(fs.apply(OpRename{3, "g", 1, "top"}, T), St::kOk);
  EXPECT_EQ(parents(4), (std::vector<uint32_t>{1, 3}));
  ASSERT_EQ(fs.apply(OpCreate{2, "x", msg::kFile, 0644, 0, 0, 0, 5}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpRename{2, "x", 3, "h", msg::kRenameExchange}, T), St::kOk);
  EXPECT_EQ(parents(4), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(parents(5), std::vector<uint32_t>{3});
  EXPECT_EQ(parents(2), std::vector<uint32_t>{1});  // a directory: its parent
  ASSERT_EQ(fs.apply(OpUnlink{1, "top"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{2, "x"}, T), St::kOk);  // last name: to the trash
  EXPECT_TRUE(parents(4).empty());
  ASSERT_EQ(fs.apply(OpUndel{4, 0}, T), St::kOk);  // back under a/f
  EXPECT_EQ(parents(4), std::vector<uint32_t>{2});
}

TEST(Fs, TrashUndeleteRecreatesDirectories) {
  Fs fs = fresh(100);
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0700, 5, 6, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "e", msg::kDir, 0700, 5, 6, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{3, "f", msg::kFile, 0644, 5, 6, 0, 4}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetChunk{4, 0, 10, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{3, "f"}, T), St::kOk);
  ASSERT_EQ(fs.trash().at(4).path, "d/e/f");
  ASSERT_EQ(fs.apply(OpUnlink{2, "e"}, T), St::kOk);  // directories are not kept
  ASSERT_EQ(fs.apply(OpUndel{4, 0}, T), St::kInval);  // new directories need inode numbers
  ASSERT_EQ(fs.apply(OpUndel{4, 50}, T), St::kOk);
  EXPECT_EQ(fs.child(2, "e"), 50u);
  EXPECT_EQ(fs.child(50, "f"), 4u);
  EXPECT_EQ(fs.node(50)->uid, 5u);
  EXPECT_EQ(fs.node(4)->nlink, 1u);
  EXPECT_TRUE(fs.trash().empty());
  EXPECT_EQ(fs.chunk(10)->refs, 1u);
  // a name in the way: refused, nothing changes
  ASSERT_EQ(fs.apply(OpUnlink{50, "f"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{50, "f", msg::kFile, 0644, 0, 0, 0, 60}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpUndel{4, 61}, T), St::kExist);
  EXPECT_EQ(fs.trash().count(4), 1u);
  // purged with its chunk; sustain keeps an open one out of the trash
  ASSERT_EQ(fs.apply(OpPurge{4, 1}, T), St::kOk);
  EXPECT_EQ(fs.sustained(), std::vector<uint32_t>{4});
  ASSERT_EQ(fs.apply(OpPurge{4}, T), St::kOk);
  EXPECT_EQ(fs.chunk(10), nullptr);
  EXPECT_EQ(fs.released_chunks(), std::vector<uint64_t>{10});
}

TEST(Fs, SetAttribRecursiveCountsAndOwnership) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0777, 5, 5, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "a", msg::kFile, 0644, 5, 5, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "b", msg::kFile, 0644, 7, 7, 0, 4}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetChunk{3, 0, 20, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAttrib{2, 5, msg::kAttrGoal, 4, msg::kSetExact, 1}, T), St::kOk);
  EXPECT_EQ(fs.last_set().changed, 2u);
  EXPECT_EQ(fs.last_set().not_permitted, 1u);
  EXPECT_EQ(fs.node(3)->goal, 4);
  EXPECT_EQ(fs.chunk(20)->goal, 4);
  EXPECT_EQ(fs.node(4)->goal, 2);
  ASSERT_EQ(fs.apply(OpSetAttrib{2, 0, msg::kAttrGoal, 3, msg::kSetLower, 1}, T), St::kOk);
  EXPECT_EQ(fs.last_set().changed, 2u);      // 4 -> 3 twice
  EXPECT_EQ(fs.last_set().not_changed, 1u);  // b stays 2
  EXPECT_EQ(fs.apply(OpSetAttrib{4, 5, msg::kAttrGoal, 1, msg::kSetExact, 0}, T), St::kPerm);
  EXPECT_EQ(fs.apply(OpSetAttrib{4, 0, msg::kAttrGoal, 10, msg::kSetExact, 0}, T), St::kInval);
  EXPECT_EQ(fs.apply(OpSetAttrib{4, 0, msg::kAttrEattr, 1, msg::kSetRaise, 0}, T), St::kInval);
  ASSERT_EQ(fs.apply(OpSetAttrib{4, 7, msg::kAttrEattr, msg::kEattrNoOwner, msg::kSetAddBits, 0}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpSetAttrib{4, 5, msg::kAttrTrashtime, 9, msg::kSetExact, 0}, T), St::kOk);  // noowner
  EXPECT_EQ(fs.node(4)->trashtime, 9u);
}

TEST(Fs, SnapshotSharesChunksAndCopyOnWriteSeparates) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0755, 5, 5, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "f", msg::kFile, 0644, 5, 5, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpLink{3, 2, "g"}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetChunk{3, 0, 30, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetChunk{3, 1, 31, 1}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpWrite{3, 100u << 20}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpSnapshot{2, 1, "s", 0, 0, 0, 0, 022}, T), St::kInval);  // needs inodes
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "s", 100, 0, 9, 9, 022}, T), St::kOk);
  uint32_t s = fs.child(1, "s");
  EXPECT_EQ(s, 100u);
  uint32_t sf = fs.child(s, "f"), sg = fs.child(s, "g");
  EXPECT_NE(sf, sg);  // without keeplinks: separate copies
  EXPECT_EQ(fs.node(sf)->chunks.dense(), (std::vector<uint64_t>{30, 31}));
  EXPECT_EQ(fs.node(sf)->length, 100u << 20);
  EXPECT_EQ(fs.node(sf)->uid, 5u);  // owner kept without cpattrs
  EXPECT_EQ(fs.chunk(30)->refs, 3u);
  EXPECT_EQ(fs.apply(OpSnapshot{2, 1, "s", 200, 0, 0, 0, 022}, T), St::kExist);
  EXPECT_EQ(fs.apply(OpSnapshot{2, 2, "in", 200, 0, 0, 0, 022}, T), St::kInval);  // into itself
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "p", 200, msg::kSnapKeepLinks | msg::kSnapCpAttrs, 9, 8, 077}, T), St::kOk);
  uint32_t p = fs.child(1, "p");
  EXPECT_EQ(fs.child(p, "f"), fs.child(p, "g"));  // hard link kept
  EXPECT_EQ(fs.node(fs.child(p, "f"))->nlink, 2u);
  EXPECT_EQ(fs.node(p)->uid, 9u);
  EXPECT_EQ(fs.node(p)->mode, 0700);
  EXPECT_EQ(fs.chunk(30)->refs, 4u);
  // copy on write: the snapshot's slot gets its own chunk
  ASSERT_EQ(fs.apply(OpSetChunk{sf, 0, 40, 1}, T), St::kOk);
  EXPECT_EQ(fs.chunk(30)->refs, 3u);
  EXPECT_EQ(fs.node(3)->chunks.at(0), 30u);
  // overwrite merges into the existing tree
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "s", 300, msg::kSnapOverwrite, 0, 0, 022}, T), St::kOk);
  EXPECT_EQ(fs.node(fs.child(s, "f"))->chunks.at(0), 30u);
  EXPECT_EQ(fs.chunk(40), nullptr);  // the replaced file's own chunk is gone
  // append chunks: shared too, from the next chunk boundary
  ASSERT_EQ(fs.apply(OpCreate{1, "cat", msg::kFile, 0644, 0, 0, 0, 400}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpWrite{400, 10}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpAppendChunks{400, 3}, T), St::kOk);
  EXPECT_EQ(fs.node(400)->chunks.dense(), (std::vector<uint64_t>{0, 30, 31}));
  EXPECT_EQ(fs.node(400)->length, (64u << 20) + (100u << 20));
}

TEST(Fs, NameRules) {
  Fs fs = fresh();
  EXPECT_EQ(fs.apply(OpCreate{1, std::string(256, 'x'), msg::kFile, 0644, 0, 0, 0, 2}, T), St::kNameTooLong);
  EXPECT_EQ(fs.apply(OpCreate{1, std::string(255, 'x'), msg::kFile, 0644, 0, 0, 0, 2}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpCreate{1, "a/b", msg::kFile, 0644, 0, 0, 0, 3}, T), St::kInval);
  EXPECT_EQ(fs.apply(OpCreate{1, "..", msg::kDir, 0755, 0, 0, 0, 3}, T), St::kInval);
}

TEST(Fs, DirectoriesCountLinksAndRefuseNonEmptyRemoval) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "e", msg::kDir, 0755, 0, 0, 0, 3}, T), St::kOk);
  EXPECT_EQ(fs.attr(*fs.node(1)).nlink, 3u);
  EXPECT_EQ(fs.attr(*fs.node(2)).nlink, 3u);
  EXPECT_EQ(fs.apply(OpUnlink{1, "d"}, T), St::kNotEmpty);
  EXPECT_EQ(fs.apply(OpUnlink{2, "e"}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpUnlink{1, "d"}, T), St::kOk);
  EXPECT_EQ(fs.attr(*fs.node(1)).nlink, 2u);
}

TEST(Fs, RenameSemantics) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "a", msg::kFile, 0644, 0, 0, 0, 2}, T);
  fs.apply(OpCreate{1, "b", msg::kFile, 0644, 0, 0, 0, 3}, T);
  fs.apply(OpCreate{1, "d", msg::kDir, 0755, 0, 0, 0, 4}, T);
  fs.apply(OpCreate{4, "sub", msg::kDir, 0755, 0, 0, 0, 5}, T);
  fs.apply(OpCreate{1, "empty", msg::kDir, 0755, 0, 0, 0, 6}, T);
  // over an existing file: the target is replaced and freed
  EXPECT_EQ(fs.apply(OpRename{1, "a", 1, "b", 0}, T), St::kOk);
  EXPECT_EQ(fs.child(1, "b"), 2u);
  EXPECT_EQ(fs.node(3), nullptr);
  // noreplace
  fs.apply(OpCreate{1, "c", msg::kFile, 0644, 0, 0, 0, 7}, T);
  EXPECT_EQ(fs.apply(OpRename{1, "b", 1, "c", msg::kRenameNoReplace}, T), St::kExist);
  // exchange
  EXPECT_EQ(fs.apply(OpRename{1, "b", 1, "c", msg::kRenameExchange}, T), St::kOk);
  EXPECT_EQ(fs.child(1, "b"), 7u);
  EXPECT_EQ(fs.child(1, "c"), 2u);
  // file over directory, directory over file, directory over non-empty directory
  EXPECT_EQ(fs.apply(OpRename{1, "b", 1, "d", 0}, T), St::kIsDir);
  EXPECT_EQ(fs.apply(OpRename{1, "d", 1, "b", 0}, T), St::kNotDir);
  EXPECT_EQ(fs.apply(OpRename{1, "empty", 1, "d", 0}, T), St::kNotEmpty);
  // directory into its own subtree
  EXPECT_EQ(fs.apply(OpRename{1, "d", 5, "x", 0}, T), St::kInval);
  // directory over empty directory, across parents
  EXPECT_EQ(fs.apply(OpRename{4, "sub", 1, "empty", 0}, T), St::kOk);
  EXPECT_EQ(fs.node(5)->parent, 1u);
  EXPECT_EQ(fs.node(6), nullptr);
  EXPECT_EQ(fs.attr(*fs.node(4)).nlink, 2u);
  // rename onto another name of the same inode does nothing
  fs.apply(OpLink{2, 1, "c2"}, T);
  EXPECT_EQ(fs.apply(OpRename{1, "c", 1, "c2", 0}, T), St::kOk);
  EXPECT_EQ(fs.child(1, "c"), 2u);
  EXPECT_EQ(fs.child(1, "c2"), 2u);
}

TEST(Fs, HardLinks) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "a", msg::kFile, 0644, 0, 0, 0, 2}, T);
  fs.apply(OpCreate{1, "d", msg::kDir, 0755, 0, 0, 0, 3}, T);
  EXPECT_EQ(fs.apply(OpLink{2, 3, "b"}, T), St::kOk);
  EXPECT_EQ(fs.node(2)->nlink, 2u);
  EXPECT_EQ(fs.apply(OpLink{3, 1, "dd"}, T), St::kPerm);
  fs.apply(OpSetChunk{2, 0, 100, 1}, T);
  EXPECT_EQ(fs.apply(OpUnlink{1, "a"}, T), St::kOk);
  EXPECT_NE(fs.chunk(100), nullptr);
  EXPECT_EQ(fs.apply(OpUnlink{3, "b"}, T), St::kOk);
  EXPECT_EQ(fs.chunk(100), nullptr);
  ASSERT_EQ(fs.released_chunks().size(), 1u);
  EXPECT_EQ(fs.released_chunks()[0], 100u);
}

TEST(Fs, TruncateReleasesChunks) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T);
  for (uint32_t i = 0; i < 3; i++) fs.apply(OpSetChunk{2, i, 10 + i, 1}, T);
  fs.apply(OpWrite{2, 3 * uint64_t(msg::kChunkSize)}, T);
  EXPECT_EQ(fs.apply(OpTruncate{2, uint64_t(msg::kChunkSize) + 1}, T), St::kOk);
  EXPECT_EQ(fs.node(2)->chunks.slots(), 2u);
  EXPECT_EQ(fs.chunk(12), nullptr);
  EXPECT_NE(fs.chunk(11), nullptr);
  EXPECT_EQ(fs.node(2)->length, uint64_t(msg::kChunkSize) + 1);
}

TEST(Fs, LengthsAboveTheMaximumAreRefused) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T);
  EXPECT_EQ(fs.apply(OpTruncate{2, ~uint64_t{0}}, T), St::kTooBig) << "(len + 64 MiB - 1) would wrap";
  EXPECT_EQ(fs.apply(OpWrite{2, msg::kMaxFileLength + 1}, T), St::kTooBig);
  EXPECT_EQ(fs.apply(OpWrite{2, msg::kMaxFileLength}, T), St::kOk);
  EXPECT_EQ(fs.node(2)->length, msg::kMaxFileLength);
}

// An image written by a master that took any length: the load cuts it to
// what the file's chunks hold, and says so.
TEST(Fs, AnImageWithAnImpossibleLengthIsRepairedOnLoad) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T);
  fs.apply(OpSetChunk{2, 0, 10, 1}, T);
  fs.apply(OpSetChunk{2, 1, 11, 1}, T);
  constexpr uint64_t kMark = 0x0123456789ABCDull & ((uint64_t{1} << 52) - 1);
  ASSERT_EQ(fs.apply(OpWrite{2, kMark}, T), St::kOk);
  std::string path = ::testing::TempDir() + "/antler-image-length-" + std::to_string(::getpid());
  ASSERT_EQ(fs.save_image(path).to_string(), "ok");
  std::string data;
  {
    std::ifstream in(path, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Sections: tag, u64 length, payload, u32 CRC32C. Patch the length in
  // NODE and its checksum.
  size_t tag = data.find("NODE");
  ASSERT_NE(tag, std::string::npos);
  uint64_t len;
  std::memcpy(&len, data.data() + tag + 4, 8);
  size_t payload = tag + 12;
  size_t at = data.find(std::string(reinterpret_cast<const char*>(&kMark), 8), payload);
  ASSERT_LT(at, payload + len);
  uint64_t huge = uint64_t{1} << 63;
  std::memcpy(data.data() + at, &huge, 8);
  uint32_t crc = crc32c(data.data() + payload, len);
  std::memcpy(data.data() + payload + len, &crc, 4);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
  Fs loaded;
  ASSERT_EQ(loaded.load_image(path).to_string(), "ok");
  EXPECT_EQ(loaded.node(2)->length, 2 * uint64_t(msg::kChunkSize)) << "cut to its two chunks";
  std::filesystem::remove(path);
}

TEST(Fs, RepairSetsVersionOrMakesAHole) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T);
  for (uint32_t i = 0; i < 3; i++) fs.apply(OpSetChunk{2, i, 10 + i, 5}, T);
  fs.apply(OpWrite{2, 3 * uint64_t(msg::kChunkSize)}, T);
  // A snapshot shares chunk 11: erasing it from f keeps it for the copy.
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "s", 3, 0, 0, 0, 0}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpRepair{2, 0, 3}, T + 1), St::kOk);  // back to the version a server still has
  EXPECT_EQ(fs.chunk(10)->version, 3u);
  EXPECT_EQ(fs.node(2)->mtime_ns, T + 1);
  EXPECT_EQ(fs.apply(OpRepair{2, 1, 0}, T + 2), St::kOk);  // no copy at all: a hole
  EXPECT_EQ(fs.node(2)->chunks.at(1), 0u);
  EXPECT_EQ(fs.chunk(11)->refs, 1u);
  EXPECT_EQ(fs.node(3)->chunks.at(1), 11u);
  EXPECT_EQ(fs.node(2)->length, 3 * uint64_t(msg::kChunkSize));  // the length stays
  EXPECT_EQ(fs.usage(*fs.node(1)).chunks, 2 + 3);                // the directories' usage: f has 2 chunks left, s 3
  EXPECT_TRUE(fs.released_chunks().empty());
  EXPECT_EQ(fs.apply(OpRepair{3, 1, 0}, T), St::kOk);  // the last reference: released
  EXPECT_EQ(fs.chunk(11), nullptr);
  EXPECT_EQ(fs.released_chunks(), std::vector<uint64_t>{11});
  // Refused: a hole, a slot past the chunks, no such inode, a directory.
  EXPECT_EQ(fs.apply(OpRepair{2, 1, 0}, T), St::kInval);
  EXPECT_EQ(fs.apply(OpRepair{2, 7, 1}, T), St::kInval);
  EXPECT_EQ(fs.apply(OpRepair{99, 0, 1}, T), St::kNoEnt);
  EXPECT_EQ(fs.apply(OpRepair{1, 0, 1}, T), St::kInval);
}

TEST(Fs, SustainedFileLivesUntilPurged) {
  Fs fs = fresh();
  fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T);
  fs.apply(OpSetChunk{2, 0, 50, 1}, T);
  ASSERT_EQ(fs.apply(OpUnlink{1, "f", 1}, T), St::kOk);
  ASSERT_NE(fs.node(2), nullptr);
  EXPECT_EQ(fs.attr(*fs.node(2)).nlink, 0u);
  EXPECT_NE(fs.chunk(50), nullptr);
  EXPECT_EQ(fs.sustained(), std::vector<uint32_t>{2});
  EXPECT_EQ(fs.apply(OpPurge{1}, T), St::kInval);
  ASSERT_EQ(fs.apply(OpPurge{2}, T), St::kOk);
  EXPECT_EQ(fs.node(2), nullptr);
  EXPECT_EQ(fs.chunk(50), nullptr);
  // a replaced rename target stays too
  fs.apply(OpCreate{1, "a", msg::kFile, 0644, 0, 0, 0, 3}, T);
  fs.apply(OpCreate{1, "b", msg::kFile, 0644, 0, 0, 0, 4}, T);
  ASSERT_EQ(fs.apply(OpRename{1, "a", 1, "b", 0, 1}, T), St::kOk);
  EXPECT_EQ(fs.sustained(), std::vector<uint32_t>{4});
}

TEST(Perm, Rules) {
  Node n;
  n.type = msg::kFile;
  n.uid = 10;
  n.gid = 20;
  n.mode = 0640;
  msg::Cred owner{10, 10, {}}, member{11, 30, {20}}, other{12, 12, {}}, root{0, 0, {}};
  EXPECT_TRUE(may(n, owner, kR | kW));
  EXPECT_TRUE(may(n, member, kR));
  EXPECT_FALSE(may(n, member, kW));
  EXPECT_FALSE(may(n, other, kR));
  EXPECT_TRUE(may(n, root, kR | kW));
  EXPECT_FALSE(may(n, root, kX));  // no x bit anywhere
  Node d;
  d.type = msg::kDir;
  d.mode = 01777;
  d.uid = 0;
  EXPECT_TRUE(sticky_allows(d, n, owner));
  EXPECT_FALSE(sticky_allows(d, n, other));
  EXPECT_TRUE(sticky_allows(d, n, root));
}

TEST(Changelog, EscapingKeepsOneLine) {
  std::string name = "we,ird(name)%\n\t\x01 end";
  OpCreate op{1, name, msg::kFile, 0644, 1, 2, 0, 9};
  std::string line = format_line(12, T + 5, op);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find(' ', line.find('|')), std::string::npos);
  auto l = parse_line(line);
  ASSERT_TRUE(l) << l.status().to_string();
  EXPECT_EQ(l->version, 12u);
  EXPECT_EQ(l->time_ns, T + 5);
  EXPECT_EQ(std::get<OpCreate>(l->op).name, name);
  EXPECT_EQ(format_line(12, T + 5, l->op), line);
  EXPECT_EQ(parse_line("12: 1.0|CREATE(1,2)").status().message(), "unknown operation or bad arguments");
  EXPECT_FALSE(parse_line("12: 1.0|NOPE(1)"));
  EXPECT_EQ(parse_line("garbage").status().message(), "no version");
  EXPECT_FALSE(unescape("%4"));
  EXPECT_FALSE(unescape("%zz"));
}

TEST(Changelog, LineFormat) {
  EXPECT_EQ(format_line(1234, 1732270000LL * 1000000000LL, OpCreate{1, "name", 'f', 420, 0, 0, 0, 57}),
            "1234: 1732270000.000000000|CREATE(1,name,102,420,0,0,0,57)");
  // An export's goal / trash time clamp adds trailing fields; old lines still parse.
  OpCreate clamped{1, "name", 'f', 420, 0, 0, 0, 57, 3, 7200};
  EXPECT_EQ(format_line(1, 0, clamped), "1: 0.000000000|CREATE(1,name,102,420,0,0,0,57,3,7200)");
  EXPECT_EQ(format_line(1, 0, OpCreate{1, "n", 'f', 420, 0, 0, 0, 57, 2}),
            "1: 0.000000000|CREATE(1,n,102,420,0,0,0,57,2)");
  EXPECT_EQ(format_line(1, 0, OpCreate{1, "n", 'f', 420, 0, 0, 0, 57, 0, 0}),
            "1: 0.000000000|CREATE(1,n,102,420,0,0,0,57,0,0)");
  auto l = parse_line("1: 0.000000000|CREATE(1,name,102,420,0,0,0,57,3,7200)");
  ASSERT_TRUE(l) << l.status().to_string();
  EXPECT_EQ(std::get<OpCreate>(l->op).goal, 3);
  EXPECT_EQ(std::get<OpCreate>(l->op).trashtime, 7200);
  l = parse_line("1: 0.000000000|SYMLINK(1,s,t,0,0,9)");
  ASSERT_TRUE(l) << l.status().to_string();
  EXPECT_EQ(std::get<OpSymlink>(l->op).goal, 0);
  EXPECT_EQ(std::get<OpSymlink>(l->op).trashtime, -1);
  EXPECT_FALSE(parse_line("1: 0.000000000|CREATE(1,name,102,420,0,0,0)"));
  EXPECT_FALSE(parse_line("1: 0.000000000|CREATE(1,name,102,420,0,0,0,57,3,7200,1)"));
}

TEST(Fs, CreateWithGoalAndTrashtime) {
  Fs fs;
  fs.init_empty(1, T, 2, 3600);
  ASSERT_EQ(fs.apply(OpCreate{1, "a", msg::kFile, 0644, 0, 0, 0, 2, 5, 60}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{1, "b", msg::kFile, 0644, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSymlink{1, "s", "a", 0, 0, 4, 1, 0}, T), St::kOk);
  EXPECT_EQ(fs.node(2)->goal, 5);
  EXPECT_EQ(fs.node(2)->trashtime, 60u);
  EXPECT_EQ(fs.node(3)->goal, 2);
  EXPECT_EQ(fs.node(3)->trashtime, 3600u);
  EXPECT_EQ(fs.node(4)->goal, 1);
  EXPECT_EQ(fs.node(4)->trashtime, 0u);
  EXPECT_EQ(fs.apply(OpCreate{1, "c", msg::kFile, 0644, 0, 0, 0, 5, 10}, T), St::kInval);
}

// Random operations applied live; at some point an image is saved; recovery
// from that image plus the changelog must give exactly the live state.
class Replay : public ::testing::TestWithParam<int> {};

TEST_P(Replay, LiveEqualsImagePlusChangelog) {
  std::string dir = ::testing::TempDir() + "replay" + std::to_string(GetParam()) + "_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::mt19937 gen(GetParam());
  auto rng = [&] { return static_cast<uint32_t>(gen()); };
  Fs live;
  Store store(live, dir, 50);
  ASSERT_EQ(store.open(false, 99, 2, 3600).to_string(), "ok");
  std::vector<uint32_t> dirs{1}, files;
  uint64_t next_chunk = 1;
  int save_at = 100 + rng() % 300;
  int repairs = 0;
  auto pick = [&](auto& v) { return v[rng() % v.size()]; };
  auto name = [&] { return std::string("n") + std::to_string(rng() % 40) + (rng() % 5 == 0 ? ",%(x)" : ""); };
  for (int i = 0; i < 600; i++) {
    if (i == save_at) {
      ASSERT_EQ(store.save_now().to_string(), "ok");
    }
    Op op;
    switch (rng() % 12) {
      case 0:
      case 1: {
        uint32_t ino = live.next_inode();
        uint8_t type = rng() % 3 == 0 ? msg::kDir : msg::kFile;
        op = OpCreate{pick(dirs),
                      name(),
                      type,
                      static_cast<uint16_t>(rng() % 07777),
                      static_cast<uint32_t>(rng() % 3),
                      static_cast<uint32_t>(rng() % 3),
                      0,
                      ino,
                      static_cast<uint8_t>(rng() % 2 ? 0 : 1 + rng() % 9),
                      rng() % 2 ? -1 : int64_t(rng() % 100000)};
        if (store.commit(op) == St::kOk) (type == msg::kDir ? dirs : files).push_back(ino);
        continue;
      }
      case 2:
        op = OpSymlink{pick(dirs),
                       name(),
                       "target,(x)",
                       1,
                       1,
                       live.next_inode(),
                       static_cast<uint8_t>(rng() % 2 ? 0 : 1 + rng() % 9),
                       rng() % 2 ? -1 : int64_t(rng() % 100)};
        break;
      case 3:
        if (rng() % 4 == 0 && !files.empty()) op = OpPurge{pick(files)};
        else op = OpUnlink{pick(dirs), name(), static_cast<uint8_t>(rng() % 2)};
        break;
      case 4:
        op = OpRename{
            pick(dirs), name(), pick(dirs), name(), static_cast<uint32_t>(rng() % 3), static_cast<uint8_t>(rng() % 2)};
        break;
      case 5:
        if (files.empty()) continue;
        op = OpLink{pick(files), pick(dirs), name()};
        break;
      case 6:
        op = OpSetattr{rng() % 2 ? pick(dirs) : (files.empty() ? 1 : pick(files)),
                       msg::kSetMode | msg::kSetMtime,
                       static_cast<uint16_t>(rng() % 0777),
                       0,
                       0,
                       0,
                       static_cast<int64_t>(rng())};
        break;
      case 7:
        if (files.empty()) continue;
        op = OpSetChunk{pick(files), static_cast<uint32_t>(rng() % 4), next_chunk++, 1};
        break;
      case 8:
        if (files.empty()) continue;
        op = rng() % 2 ? Op{OpWrite{pick(files), rng() % (200u << 20)}}
                       : Op{OpTruncate{pick(files), rng() % (150u << 20)}};
        break;
      case 9:
        switch (rng() % 9) {
          case 0: op = OpSetVersion{1 + rng() % next_chunk, static_cast<uint32_t>(rng() % 100)}; break;
          case 1:
            op = OpSetAttrib{rng() % 2 ? pick(dirs) : 1,          static_cast<uint32_t>(rng() % 3),
                             static_cast<uint8_t>(1 + rng() % 3), 1 + rng() % 5,
                             static_cast<uint8_t>(rng() % 3),     static_cast<uint8_t>(rng() % 2)};
            break;
          case 2:
            if (live.trash().empty()) continue;
            op = OpUndel{live.trash().begin()->first, live.next_inode()};
            break;
          case 3:
            op = OpSnapshot{rng() % 2 ? pick(dirs) : (files.empty() ? 1 : pick(files)),
                            pick(dirs),
                            name(),
                            live.next_inode(),
                            static_cast<uint8_t>(rng() % 8),
                            3,
                            4,
                            022};
            break;
          case 4:
            if (files.empty()) continue;
            op = OpAppendChunks{pick(files), pick(files)};
            break;
          case 5:
            if (live.trash().empty()) continue;
            op = OpPurge{live.trash().begin()->first, static_cast<uint8_t>(rng() % 2)};
            break;
          case 6: op = OpAccess{rng() % 2 ? pick(dirs) : (files.empty() ? 1 : pick(files))}; break;
          case 7:  // quotas come and go; their soft-limit timers follow the usage
            op = OpSetQuota{pick(dirs),
                            rng() % 3,
                            rng() % 2 ? 0 : rng() % (300u << 20),
                            0,
                            rng() % 2 ? 0 : 1u << 30,
                            rng() % 3 ? 0u : 50u,
                            0,
                            rng() % 2 ? 0 : 1u << 30,
                            0,
                            rng() % 100};
            break;
          case 8: {  // mfsfilerepair: an older version, or a hole, on a slot that has a chunk
            const Node* f = nullptr;
            for (int tries = 0; tries < 8 && !files.empty() && !(f && f->chunks.count() != 0); tries++)
              f = live.node(pick(files));
            if (!f || f->chunks.count() == 0) continue;
            op = OpRepair{f->id, static_cast<uint32_t>(rng() % f->chunks.slots()), rng() % 2 ? 0 : 1 + rng() % 5};
            break;
          }
        }
        break;
      case 10: {  // extended attributes, with binary values
        uint32_t ino = rng() % 2 ? pick(dirs) : (files.empty() ? 1 : pick(files));
        std::string xname = std::string(rng() % 3 ? "user." : "trusted.") + "x" + std::to_string(rng() % 4);
        if (rng() % 3 == 0) {
          op = OpRmXattr{ino, xname};
        } else {
          std::string value(rng() % 20, '\0');
          for (auto& ch : value) ch = static_cast<char>(rng());
          op = OpSetXattr{ino, xname, value, static_cast<uint32_t>(rng() % 3)};
        }
        break;
      }
      case 11: {  // ACLs: access on anything, default on directories (inherited by later creates)
        static const char* kAcls[] = {"u::rwx/u:5:r-x/g::r-x/g:7:rwx/m::r-x/o::---", "u::rw-/g::r--/o::r--",
                                      "u::rwx/g::---/m::rwx/o::---", ""};
        bool dflt = rng() % 2;
        uint32_t ino = dflt || files.empty() || rng() % 2 ? pick(dirs) : pick(files);
        op = OpSetAcl{ino, static_cast<uint8_t>(dflt ? kAclDefault : kAclAccess), kAcls[rng() % 4],
                      static_cast<uint8_t>(rng() % 2)};
        break;
      }
    }
    // refused operations are simply not logged
    if (store.commit(op) == St::kOk && std::holds_alternative<OpRepair>(op)) repairs++;
  }
  // a quota on the root whose soft limit is passed, whatever the seed did
  ASSERT_EQ(store.commit(OpSetQuota{1, 1, 0, 0, 0, 0, 0, 0, 0, 5}), St::kOk);
  // At least one of each kind of repair, whatever the seed drew.
  for (uint8_t kind = 0; kind < 2; kind++) {
    for (uint32_t f : files) {
      const Node* n = live.node(f);
      if (!n || n->chunks.count() == 0) continue;
      uint64_t slot = ~uint64_t{0};
      n->chunks.for_each([&](uint64_t i, uint64_t) { slot = std::min(slot, i); });
      Op op = OpRepair{f, static_cast<uint32_t>(slot), kind == 0 ? 7u : 0u};
      if (store.commit(op) == St::kOk) repairs++;
      break;
    }
  }
  EXPECT_GE(repairs, 2) << "the replay compares too few OpRepair";
  std::string live_dump = live.dump();
  // the new state kinds are really there to compare
  EXPECT_NE(live_dump.find("  xattr "), std::string::npos);
  EXPECT_NE(live_dump.find("  acl "), std::string::npos);
  EXPECT_NE(live_dump.find("  default-acl "), std::string::npos);
  EXPECT_NE(live_dump.find("\nquota "), std::string::npos);
  EXPECT_NE(live_dump.find(" exceeded 1"), std::string::npos);  // some soft limit was passed
  Fs recovered;
  Store rs(recovered, dir, 50);
  ASSERT_EQ(rs.open(true, 0, 2, 3600).to_string(), "ok");
  rs.finish_background();  // -a writes its image in a child
  EXPECT_EQ(recovered.dump(), live_dump);
  // That image is complete: a normal start (no -a) loads the same state.
  Fs reloaded;
  Store again(reloaded, dir, 50);
  ASSERT_EQ(again.open(false, 0, 2, 3600).to_string(), "ok");
  EXPECT_EQ(reloaded.dump(), live_dump);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Seeds, Replay, ::testing::Range(1, 9));

TEST(Store, NormalStartRefusesAfterUncleanStop) {
  std::string dir = ::testing::TempDir() + "unclean_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string err;
  {
    Fs fs;
    Store s(fs, dir, 5);
    ASSERT_EQ(s.open(false, 1, 1, 0).to_string(), "ok");
    ASSERT_EQ(s.commit(OpCreate{1, "x", msg::kFile, 0644, 0, 0, 0, 2}), St::kOk);
    // no save: as after kill -9
  }
  {
    Fs fs;
    Store s(fs, dir, 5);
    err = s.open(false, 1, 1, 0).message();
    EXPECT_NE(err.find("-a"), std::string::npos) << err;
  }
  {
    Fs fs;
    Store s(fs, dir, 5);
    ASSERT_EQ(s.open(true, 1, 1, 0).to_string(), "ok");
    EXPECT_EQ(fs.child(1, "x"), 2u);
    ASSERT_EQ(s.save_now().to_string(), "ok");
  }
  {
    Fs fs;
    Store s(fs, dir, 5);
    ASSERT_EQ(s.open(false, 1, 1, 0).to_string(), "ok");  // clean now
    EXPECT_EQ(fs.child(1, "x"), 2u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace antler::master

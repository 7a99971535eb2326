#include "daemons/master/fs/chunk_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace antler::master {
namespace {

std::map<uint64_t, uint64_t> contents(const ChunkTable& t) {
  std::map<uint64_t, uint64_t> m;
  t.for_each([&](uint64_t i, uint64_t id) { m[i] = id; });
  return m;
}

TEST(ChunkTable, AFileWrittenInOrderStaysAVector) {
  ChunkTable t;
  for (uint64_t i = 0; i < 5000; i++) t.set(i, 100 + i);
  EXPECT_FALSE(t.sparse());
  EXPECT_EQ(t.slots(), 5000u);
  EXPECT_EQ(t.count(), 5000u);
  EXPECT_EQ(t.at(4321), 4421u);
  EXPECT_EQ(t.at(5000), 0u);
  t.set(10, 0);  // a hole in the middle
  EXPECT_EQ(t.count(), 4999u);
  EXPECT_FALSE(t.sparse());
}

TEST(ChunkTable, AChunkAtTheLastSlotTakesPairsNotHalfAGigabyte) {
  ChunkTable t;
  t.set(0, 7);
  t.set((1u << 26) - 1, 8);
  EXPECT_TRUE(t.sparse());
  EXPECT_LT(t.flat_pairs().size(), 8u);
  EXPECT_TRUE(t.dense().empty());
  EXPECT_EQ(t.slots(), uint64_t{1} << 26);
  EXPECT_EQ(t.at((1u << 26) - 1), 8u);
  EXPECT_EQ(t.at(0), 7u);
  EXPECT_EQ(t.at(5), 0u);
  EXPECT_EQ(t.count(), 2u);
  EXPECT_EQ(contents(t), (std::map<uint64_t, uint64_t>{{0, 7}, {(1u << 26) - 1, 8}}));
  t.truncate(1000);  // the far chunk goes: a vector again
  EXPECT_FALSE(t.sparse());
  EXPECT_EQ(t.slots(), 1u);
  EXPECT_EQ(contents(t), (std::map<uint64_t, uint64_t>{{0, 7}}));
}

TEST(ChunkTable, FillingTheHoleTurnsItBackIntoAVector) {
  ChunkTable t;
  t.set(3000, 1);
  ASSERT_TRUE(t.sparse());
  for (uint64_t i = 0; i < 3000; i++) t.set(i, 10 + i);
  EXPECT_FALSE(t.sparse());
  EXPECT_EQ(t.count(), 3001u);
  EXPECT_EQ(t.at(3000), 1u);
  EXPECT_EQ(t.at(2999), 3009u);
}

TEST(ChunkTable, StridesBoundTheVectorsWaste) {
  // One chunk every 600 slots: a vector would waste 599 of every 600 entries.
  ChunkTable t;
  for (uint64_t i = 0; i < 2000; i++) t.set(i * 600, i + 1);
  EXPECT_TRUE(t.sparse());
  EXPECT_EQ(t.count(), 2000u);
  EXPECT_LE(t.flat_pairs().size(), 4000u);
}

TEST(ChunkTable, AgreesWithAMapUnderRandomChanges) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; round++) {
    ChunkTable t;
    std::map<uint64_t, uint64_t> ref;
    uint64_t span = round % 2 ? 1u << 26 : 4000;
    for (int step = 0; step < 3000; step++) {
      uint64_t slot = rng() % span;
      switch (rng() % 6) {
        case 0: {
          uint64_t keep = rng() % span;
          t.truncate(keep);
          ref.erase(ref.lower_bound(keep), ref.end());
          break;
        }
        case 1:
          t.set(slot, 0);
          ref.erase(slot);
          break;
        default: {
          uint64_t id = 1 + rng() % 1000000;
          t.set(slot, id);
          ref[slot] = id;
        }
      }
      ASSERT_EQ(t.at(slot), ref.count(slot) ? ref[slot] : 0u);
    }
    EXPECT_EQ(contents(t), ref);
    EXPECT_EQ(t.count(), ref.size());
    if (!ref.empty()) {
      EXPECT_GE(t.slots(), ref.rbegin()->first + 1);
    }
    // what an image keeps gives the same table back
    ChunkTable back;
    if (t.sparse()) {
      std::vector<uint64_t> p = t.flat_pairs();
      for (size_t i = 0; i < p.size(); i += 2) back.set(p[i], p[i + 1]);
    } else {
      back.assign_dense(t.dense());
    }
    EXPECT_EQ(contents(back), ref);
    if (span > 4000) {
      EXPECT_LT(t.dense().size() + t.flat_pairs().size(), 16 * (ref.size() + 1) + 1024);
    }
  }
}

TEST(ChunkTable, AnOldImagesFarSparseVectorLoadsAsPairs) {
  std::vector<uint64_t> v(100000, 0);
  v[99999] = 5;
  ChunkTable t;
  t.assign_dense(std::move(v));
  EXPECT_TRUE(t.sparse());
  EXPECT_EQ(t.at(99999), 5u);
  EXPECT_EQ(t.slots(), 100000u);
}

}  // namespace
}  // namespace antler::master

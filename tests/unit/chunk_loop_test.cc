// The chunk loop's pace (CHUNKS_LOOP_MIN_TIME, CHUNKS_LOOP_MAX_CPS) and its
// rebalancing threshold (ACCEPTABLE_PERCENTAGE_DIFFERENCE).
#include <gtest/gtest.h>

#include "daemons/master/chunk_loop.h"

namespace antler::master {
namespace {

TEST(ChunkLoop, PassTakesMinTimeUnlessCapped) {
  // 1.2 million chunks in 300 s: 4000 a second.
  EXPECT_EQ(4000u, chunks_per_step(1200000, 100000, 300));
  // Rounded up, so that a pass never takes longer than the minimum time.
  EXPECT_EQ(4001u, chunks_per_step(1200001, 100000, 300));
  // CHUNKS_LOOP_MAX_CPS caps it: the pass then takes longer.
  EXPECT_EQ(100000u, chunks_per_step(100000000, 100000, 300));
  // Few chunks: at least one a step; an empty registry still advances.
  EXPECT_EQ(1u, chunks_per_step(5, 100000, 300));
  EXPECT_EQ(1u, chunks_per_step(0, 100000, 300));
  // Test settings: everything every second.
  EXPECT_EQ(250u, chunks_per_step(250, 100000, 1));
}

TEST(ChunkLoop, AcceptableDifference) {
  double v = 0;
  EXPECT_TRUE(parse_acceptable_difference("1.0", &v));
  EXPECT_DOUBLE_EQ(1.0, v);
  EXPECT_TRUE(parse_acceptable_difference("0.1", &v));
  EXPECT_DOUBLE_EQ(0.1, v);
  EXPECT_TRUE(parse_acceptable_difference("10", &v));
  EXPECT_DOUBLE_EQ(10.0, v);
  EXPECT_TRUE(parse_acceptable_difference("2.5 ", &v));
  EXPECT_DOUBLE_EQ(2.5, v);
  v = 7;
  for (const char* bad : {"", "abc", "1.5%", "0.05", "10.5", "-1", "nan", "inf"}) {
    EXPECT_FALSE(parse_acceptable_difference(bad, &v)) << bad;
    EXPECT_DOUBLE_EQ(7.0, v) << bad;
  }
}

}  // namespace
}  // namespace antler::master

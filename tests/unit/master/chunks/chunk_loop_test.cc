// The chunk loop's pace (CHUNKS_LOOP_MIN_TIME, CHUNKS_LOOP_MAX_CPS) and its
// rebalancing threshold (ACCEPTABLE_PERCENTAGE_DIFFERENCE).
#include <gtest/gtest.h>

#include "daemons/master/chunks/chunk_loop.h"

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

TEST(ChunkLoop, ReplicationLimits) {
  RepLimits l;
  ASSERT_TRUE(parse_rep_limits("2,1,1,4", &l));  // MooseFS 3.0's default write limits
  EXPECT_EQ(2u, l.endangered);
  EXPECT_EQ(1u, l.undergoal);
  EXPECT_EQ(1u, l.balance_mean);
  EXPECT_EQ(4u, l.balance_other);
  EXPECT_EQ(4u, l.most());
  ASSERT_TRUE(parse_rep_limits(" 10 , 5,2 ,0", &l));
  EXPECT_EQ(10u, l.endangered);
  EXPECT_EQ(0u, l.balance_other);
  ASSERT_TRUE(parse_rep_limits("7", &l));  // one number: every case
  EXPECT_EQ(7u, l.endangered);
  EXPECT_EQ(7u, l.undergoal);
  EXPECT_EQ(7u, l.balance_mean);
  EXPECT_EQ(7u, l.balance_other);
  for (const char* bad : {"", "0", "1,2", "1,2,3", "1,2,3,4,5", "0,1,1,1", "1,0,1,1", "1001", "2,1,1,x", "2;1;1;4",
                          "-1", "2,,1,4", "99999999999999999999"}) {
    EXPECT_FALSE(parse_rep_limits(bad, &l)) << bad;
    EXPECT_EQ(7u, l.endangered) << bad;
  }
}

}  // namespace
}  // namespace antler::master

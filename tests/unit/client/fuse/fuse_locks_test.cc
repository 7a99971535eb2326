// Conversions between struct flock (as libfuse passes it) and the inclusive
// ranges and lock types of the protocol.
#include "client/fuse/fuse_locks.h"

#include <gtest/gtest.h>

#include <climits>

namespace antler::mount {
namespace {

struct flock make(short type, off_t start, off_t len) {
  struct flock l {};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = start;
  l.l_len = len;
  return l;
}

TEST(FuseLocks, FlockToRange) {
  uint64_t s, e;
  ASSERT_TRUE(flock_range(make(F_WRLCK, 0, 100), &s, &e));
  EXPECT_EQ(s, 0u);
  EXPECT_EQ(e, 99u);
  ASSERT_TRUE(flock_range(make(F_WRLCK, 10, 1), &s, &e));
  EXPECT_EQ(s, 10u);
  EXPECT_EQ(e, 10u);
  ASSERT_TRUE(flock_range(make(F_RDLCK, 5, 0), &s, &e));  // to the end of the file
  EXPECT_EQ(s, 5u);
  EXPECT_EQ(e, UINT64_MAX);
  ASSERT_TRUE(flock_range(make(F_RDLCK, LLONG_MAX, LLONG_MAX), &s, &e));  // largest: still no overflow
  EXPECT_EQ(e, uint64_t(LLONG_MAX) * 2 - 1);
  EXPECT_FALSE(flock_range(make(F_RDLCK, -1, 10), &s, &e));
  EXPECT_FALSE(flock_range(make(F_RDLCK, 0, -10), &s, &e));
}

TEST(FuseLocks, RangeToFlock) {
  struct flock l {};
  range_to_flock(0, 99, &l);
  EXPECT_EQ(l.l_start, 0);
  EXPECT_EQ(l.l_len, 100);
  range_to_flock(7, UINT64_MAX, &l);
  EXPECT_EQ(l.l_start, 7);
  EXPECT_EQ(l.l_len, 0);  // to the end of the file
  range_to_flock(3, 3, &l);
  EXPECT_EQ(l.l_len, 1);
}

TEST(FuseLocks, Types) {
  EXPECT_EQ(lock_type(F_RDLCK), msg::kLockRead);
  EXPECT_EQ(lock_type(F_WRLCK), msg::kLockWrite);
  EXPECT_EQ(lock_type(F_UNLCK), msg::kLockUnlock);
  EXPECT_EQ(lock_type(42), 0);
  EXPECT_EQ(flock_type(msg::kLockRead), F_RDLCK);
  EXPECT_EQ(flock_type(msg::kLockWrite), F_WRLCK);
  EXPECT_EQ(flock_type(msg::kLockUnlock), F_UNLCK);
}

}  // namespace
}  // namespace antler::mount

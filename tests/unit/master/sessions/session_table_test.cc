#include "daemons/master/sessions/session_table.h"

#include <gtest/gtest.h>

namespace antler::master {
namespace {

TEST(SessionTable, NewIdsAreNonZeroAndUnused) {
  SessionTable t;
  for (int i = 0; i < 100; i++) {
    uint64_t id = t.new_id();
    ASSERT_NE(id, 0u);
    ASSERT_EQ(t.find(id), nullptr);
    t.get(id).id = id;
  }
  EXPECT_EQ(t.size(), 100u);
}

TEST(SessionTable, AFileIsOpenUntilTheLastHandleOfEverySessionCloses) {
  SessionTable t;
  Session& a = t.get(1);
  Session& b = t.get(2);
  t.open_file(a, 10);
  t.open_file(a, 10);
  t.open_file(b, 10);
  EXPECT_TRUE(t.is_open(10));
  EXPECT_FALSE(t.release_file(a, 10));
  EXPECT_FALSE(t.release_file(a, 10));
  EXPECT_TRUE(t.is_open(10)) << "b still holds it";
  EXPECT_FALSE(t.release_file(a, 10)) << "a holds no handle any more";
  EXPECT_TRUE(t.release_file(b, 10));
  EXPECT_FALSE(t.is_open(10));
  EXPECT_TRUE(a.open.empty());
}

TEST(SessionTable, ALinkClosingMarksTheSessionGoneOnlyWhenItWasTheLast) {
  Session s;
  SessionTable::link_added(s);
  SessionTable::link_added(s);
  SessionTable::link_closed(s, 1000);
  EXPECT_EQ(s.gone_ms, 0);
  SessionTable::link_closed(s, 2000);
  EXPECT_EQ(s.gone_ms, 2000);
  SessionTable::link_added(s);
  EXPECT_EQ(s.gone_ms, 0);
}

}  // namespace
}  // namespace antler::master

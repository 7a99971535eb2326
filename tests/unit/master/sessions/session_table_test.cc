#include "daemons/master/sessions/session_table.h"

#include <gtest/gtest.h>

#include <set>

#include "daemons/master/fs/perm.h"

namespace antler::master {
namespace {

TEST(SessionTable, NewSessionsHaveNonZeroUnusedIdsAndTheirOwnSecrets) {
  SessionTable t;
  std::set<std::string> secrets;
  for (int i = 0; i < 100; i++) {
    Session& s = t.create();
    ASSERT_NE(s.id, 0u);
    ASSERT_EQ(t.find(s.id), &s);
    ASSERT_EQ(s.secret.size(), SessionTable::kSecretSize);
    secrets.insert(s.secret);
  }
  EXPECT_EQ(t.size(), 100u);
  EXPECT_EQ(secrets.size(), 100u);
}

TEST(SessionTable, AFileIsOpenUntilTheLastHandleOfEverySessionCloses) {
  SessionTable t;
  Session& a = t.create();
  Session& b = t.create();
  t.open_file(a, 10, kR);
  t.open_file(a, 10, kW);
  t.open_file(b, 10, kR);
  EXPECT_EQ(SessionTable::open_modes(a, 10), kR | kW);
  EXPECT_EQ(SessionTable::open_modes(b, 10), kR);
  EXPECT_EQ(SessionTable::open_modes(b, 11), 0);
  EXPECT_TRUE(t.is_open(10));
  EXPECT_FALSE(t.release_file(a, 10));
  EXPECT_FALSE(t.release_file(a, 10));
  EXPECT_TRUE(t.is_open(10)) << "b still holds it";
  EXPECT_FALSE(t.release_file(a, 10)) << "a holds no handle any more";
  EXPECT_TRUE(t.release_file(b, 10));
  EXPECT_FALSE(t.is_open(10));
  EXPECT_TRUE(a.open.empty());
  EXPECT_EQ(SessionTable::open_modes(a, 10), 0) << "the modes go with the last handle";
}

TEST(SessionTable, AnEndedSessionReleasesItsFiles) {
  SessionTable t;
  Session& a = t.create();
  Session& b = t.create();
  uint64_t id = a.id;
  t.open_file(a, 10, kR);
  t.open_file(a, 10, kR);
  t.open_file(a, 11, kW);
  t.open_file(b, 11, kR);
  std::vector<uint32_t> closed = t.erase(id);
  EXPECT_EQ(closed, std::vector<uint32_t>{10}) << "11 is still open in b";
  EXPECT_EQ(t.find(id), nullptr);
  EXPECT_FALSE(t.is_open(10));
  EXPECT_TRUE(t.is_open(11));
  EXPECT_TRUE(t.erase(id).empty()) << "a second erase changes nothing";
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

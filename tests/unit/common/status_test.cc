#include "common/status.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace antler {
namespace {

TEST(Status, DefaultIsOkAndCarriesNothing) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), St::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.to_string(), "ok");
  EXPECT_TRUE(s.with_context("ignored").ok());
}

TEST(Status, ErrorKeepsCodeAndMessage) {
  Status s = Status::error("mfsexports.cfg:3: bad address", St::kInval);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), St::kInval);
  EXPECT_EQ(s.to_string(), "mfsexports.cfg:3: bad address");
  Status copy = s;  // copies share the message
  EXPECT_EQ(copy.message(), s.message());
}

TEST(Status, OkCodeWithMessageIsStillOk) { EXPECT_TRUE(Status(St::kOk, "nothing wrong").ok()); }

TEST(Status, FromErrnoNamesTheCallAndMapsTheCode) {
  Status s = Status::from_errno("open /x", ENOENT);
  EXPECT_EQ(s.code(), St::kNoEnt);
  EXPECT_EQ(s.to_string(), "open /x: No such file or directory");
  Status full = Status::from_errno("write", ENOSPC);
  EXPECT_EQ(full.code(), St::kNoSpace);
}

TEST(Status, WithContextPrefixesAndKeepsTheCode) {
  Status s = Status(St::kIO, "").with_context("changelog");
  EXPECT_EQ(s.code(), St::kIO);
  EXPECT_EQ(s.to_string(), "changelog: input/output error");
}

TEST(Result, HoldsAValueOrAStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Status::error("no");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().to_string(), "no");
}

}  // namespace
}  // namespace antler

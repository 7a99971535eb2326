#include "common/json.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace antler {
namespace {

TEST(Json, ScalarsPrintAsJson) {
  EXPECT_EQ(Json().dump(), "null");
  EXPECT_EQ(Json(true).dump(), "true");
  EXPECT_EQ(Json(false).dump(), "false");
  EXPECT_EQ(Json(-5).dump(), "-5");
  EXPECT_EQ(Json(uint8_t{7}).dump(), "7");  // a uint8_t is a number, not a character
  EXPECT_EQ(Json(std::numeric_limits<uint64_t>::max()).dump(), "18446744073709551615");
  EXPECT_EQ(Json(std::numeric_limits<int64_t>::min()).dump(), "-9223372036854775808");
  EXPECT_EQ(Json(0.25).dump(), "0.25");
  EXPECT_EQ(Json(0.1).dump(), "0.1");  // the shortest form that reads back the same
  EXPECT_EQ(Json(1e300).dump(), "1e+300");
  EXPECT_EQ(Json(std::nan("")).dump(), "null");
  EXPECT_EQ(Json(HUGE_VAL).dump(), "null");
  EXPECT_EQ(Json("x").dump(), "\"x\"");
}

TEST(Json, StringsAreEscapedAndAlwaysValidUtf8) {
  EXPECT_EQ(json_quote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_quote("\n\t\r"), R"("\n\t\r")");
  EXPECT_EQ(json_quote(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(json_quote(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(json_quote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // a path with bytes that are not UTF-8: each bad byte is U+FFFD
  EXPECT_EQ(json_quote("a\xFF"
                       "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(json_quote("\xC3"), "\"\xEF\xBF\xBD\"");                                  // cut short
  EXPECT_EQ(json_quote("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong '/'
  EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
}

TEST(Json, ObjectsKeepInsertionOrderAndReplaceKeys) {
  Json o = Json::object();
  o.set("b", 1);
  o.set("a", "two");
  Json& inner = o.set("c", Json::object());
  inner.set("d", Json::array()).push(3);
  o.set("b", 4);
  EXPECT_EQ(o.dump(), R"({"b":4,"a":"two","c":{"d":[3]}})");
  EXPECT_EQ(o.size(), 3u);
  ASSERT_NE(o.find("a"), nullptr);
  EXPECT_EQ(o.find("a")->dump(), "\"two\"");
  EXPECT_EQ(o.find("z"), nullptr);
}

TEST(Json, PrettyPrintIndents) {
  Json o = Json::object();
  o.set("list", Json::array()).push(1);
  o.set("empty", Json::array());
  o.set("none", Json::object());
  EXPECT_EQ(o.dump(2), "{\n  \"list\": [\n    1\n  ],\n  \"empty\": [],\n  \"none\": {}\n}");
}

}  // namespace
}  // namespace antler

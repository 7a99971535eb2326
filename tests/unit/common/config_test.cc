#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/config.h"

namespace antler {
namespace {

std::vector<KeyDef> defs() {
  return {{"DATA_PATH", KeyDef::kString, "/var/lib/mfs"},
          {"MATOCL_LISTEN_PORT", KeyDef::kInt, "9421", 1, 65535},
          {"HDD_LEAVE_SPACE_DEFAULT", KeyDef::kInt, "256M", 0},
          {"AUTO", KeyDef::kBool, "0"}};
}

std::string write_file(const std::string& name, const std::string& text) {
  std::string p = ::testing::TempDir() + name;
  std::ofstream(p) << text;
  return p;
}

TEST(Config, ClassicFileWithComments) {
  auto p = write_file("a.cfg", "# comment\nDATA_PATH = /data # trailing\n\n MATOCL_LISTEN_PORT=1234\nAUTO = yes\n");
  std::string err;
  std::vector<std::string> warns;
  auto c = Config::load(p, defs(), &err, &warns);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->str("DATA_PATH"), "/data");
  EXPECT_EQ(c->num("MATOCL_LISTEN_PORT"), 1234);
  EXPECT_TRUE(c->flag("AUTO"));
  EXPECT_EQ(c->num("HDD_LEAVE_SPACE_DEFAULT"), 256 << 20);
  EXPECT_EQ(c->origin("DATA_PATH"), p + ":2");
  EXPECT_TRUE(warns.empty());
}

TEST(Config, BadValueNamesFileLineAndKey) {
  auto p = write_file("b.cfg", "DATA_PATH = /x\nMATOCL_LISTEN_PORT = notanumber\n");
  std::string err;
  auto c = Config::load(p, defs(), &err, nullptr);
  ASSERT_FALSE(c);
  EXPECT_NE(err.find(p + ":2: MATOCL_LISTEN_PORT:"), std::string::npos) << err;
}

TEST(Config, OutOfRange) {
  auto p = write_file("c.cfg", "MATOCL_LISTEN_PORT = 70000\n");
  std::string err;
  ASSERT_FALSE(Config::load(p, defs(), &err, nullptr));
  EXPECT_NE(err.find("out of range"), std::string::npos) << err;
}

TEST(Config, UnknownKeyWarns) {
  auto p = write_file("d.cfg", "SOME_NEW_KEY = 1\n");
  std::string err;
  std::vector<std::string> warns;
  ASSERT_TRUE(Config::load(p, defs(), &err, &warns));
  ASSERT_EQ(warns.size(), 1u);
  EXPECT_NE(warns[0].find(":1: SOME_NEW_KEY"), std::string::npos);
}

TEST(Config, MissingEqualsIsAnError) {
  auto p = write_file("e.cfg", "DATA_PATH /x\n");
  std::string err;
  ASSERT_FALSE(Config::load(p, defs(), &err, nullptr));
  EXPECT_NE(err.find(":1:"), std::string::npos);
}

TEST(Config, Yaml) {
  auto p = write_file("f.yaml", "DATA_PATH: /y\nMATOCL_LISTEN_PORT: 4321\n");
  std::string err;
  auto c = Config::load(p, defs(), &err, nullptr);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->str("DATA_PATH"), "/y");
  EXPECT_EQ(c->num("MATOCL_LISTEN_PORT"), 4321);
  auto bad = write_file("g.yaml", "DATA_PATH: /y\nMATOCL_LISTEN_PORT: abc\n");
  ASSERT_FALSE(Config::load(bad, defs(), &err, nullptr));
  EXPECT_NE(err.find(bad + ":2: MATOCL_LISTEN_PORT:"), std::string::npos) << err;
}

TEST(Config, MissingFile) {
  std::string err;
  EXPECT_FALSE(Config::load("/nonexistent/x.cfg", defs(), &err, nullptr));
  EXPECT_NE(err.find("/nonexistent/x.cfg"), std::string::npos);
  EXPECT_TRUE(Config::load("/nonexistent/x.cfg", defs(), &err, nullptr, true));
}

TEST(Config, Suffixes) {
  int64_t v;
  EXPECT_TRUE(parse_int_with_suffix("10k", v));
  EXPECT_EQ(v, 10240);
  EXPECT_TRUE(parse_int_with_suffix("2G", v));
  EXPECT_EQ(v, 2LL << 30);
  EXPECT_FALSE(parse_int_with_suffix("x", v));
  EXPECT_FALSE(parse_int_with_suffix("12x", v));
}

}  // namespace
}  // namespace antler

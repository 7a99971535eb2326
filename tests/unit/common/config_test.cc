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
  std::vector<std::string> warns;
  auto c = Config::load(p, defs(), &warns);
  ASSERT_TRUE(c) << c.status().to_string();
  ConfigReader r(*c);
  EXPECT_EQ(r.str("DATA_PATH"), "/data");
  EXPECT_EQ(r.num("MATOCL_LISTEN_PORT"), 1234);
  EXPECT_TRUE(r.flag("AUTO"));
  EXPECT_EQ(r.num("HDD_LEAVE_SPACE_DEFAULT"), 256 << 20);
  EXPECT_EQ(r.origin("DATA_PATH"), p + ":2");
  EXPECT_TRUE(r.status().ok());
  EXPECT_TRUE(warns.empty());
}

TEST(Config, BadValueNamesFileLineAndKey) {
  auto p = write_file("b.cfg", "DATA_PATH = /x\nMATOCL_LISTEN_PORT = notanumber\n");
  auto c = Config::load(p, defs(), nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().code(), St::kInval);
  EXPECT_NE(c.status().message().find(p + ":2: MATOCL_LISTEN_PORT:"), std::string::npos) << c.status().message();
}

TEST(Config, OutOfRange) {
  auto p = write_file("c.cfg", "MATOCL_LISTEN_PORT = 70000\n");
  auto c = Config::load(p, defs(), nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(), p + ":1: MATOCL_LISTEN_PORT: value 70000 out of range [1, 65535]");
}

TEST(Config, UnknownKeyWarns) {
  auto p = write_file("d.cfg", "SOME_NEW_KEY = 1\n");
  std::vector<std::string> warns;
  ASSERT_TRUE(Config::load(p, defs(), &warns));
  ASSERT_EQ(warns.size(), 1u);
  EXPECT_NE(warns[0].find(":1: SOME_NEW_KEY"), std::string::npos);
}

TEST(Config, MissingEqualsIsAnError) {
  auto p = write_file("e.cfg", "DATA_PATH /x\n");
  auto c = Config::load(p, defs(), nullptr);
  ASSERT_FALSE(c);
  EXPECT_NE(c.status().message().find(":1:"), std::string::npos);
}

TEST(Config, Yaml) {
  auto p = write_file("f.yaml", "DATA_PATH: /y\nMATOCL_LISTEN_PORT: 4321\n");
  auto c = Config::load(p, defs(), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  ConfigReader r(*c);
  EXPECT_EQ(r.str("DATA_PATH"), "/y");
  EXPECT_EQ(r.num("MATOCL_LISTEN_PORT"), 4321);
  auto bad = write_file("g.yaml", "DATA_PATH: /y\nMATOCL_LISTEN_PORT: abc\n");
  auto b = Config::load(bad, defs(), nullptr);
  ASSERT_FALSE(b);
  EXPECT_NE(b.status().message().find(bad + ":2: MATOCL_LISTEN_PORT:"), std::string::npos) << b.status().message();
}

TEST(Config, MissingFile) {
  auto c = Config::load("/nonexistent/x.cfg", defs(), nullptr);
  EXPECT_FALSE(c);
  EXPECT_EQ(c.status().message(), "/nonexistent/x.cfg: cannot open configuration file");
  EXPECT_TRUE(Config::load("/nonexistent/x.cfg", defs(), nullptr, true));
}

TEST(Config, UndeclaredKeyIsAnErrorOfTheReader) {
  Config c = Config::defaults(defs());
  ConfigReader r(c);
  EXPECT_EQ(r.num("MATOCL_LISTEN_PORT"), 9421);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.num("MATOCL_LISTEN_PROT"), 0);
  EXPECT_EQ(r.str("DATA_PATHH"), "");
  ASSERT_FALSE(r.status().ok());
  // The first undeclared key is the one named.
  EXPECT_EQ(r.status().message(), "config key not declared: MATOCL_LISTEN_PROT");
}

TEST(Config, ReadConfigLines) {
  auto p = write_file("h.cfg", "# disks\n/mnt/a\n\n  /mnt/b # second\n");
  auto lines = read_config_lines(p);
  ASSERT_TRUE(lines) << lines.status().to_string();
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0], (std::pair<int, std::string>{2, "/mnt/a"}));
  EXPECT_EQ((*lines)[1], (std::pair<int, std::string>{4, "/mnt/b"}));
  auto missing = read_config_lines("/nonexistent/y.cfg");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().message(), "/nonexistent/y.cfg: cannot open file");
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

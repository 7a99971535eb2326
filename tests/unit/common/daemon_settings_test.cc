// The keys every daemon has (common/daemon.h).
#include <gtest/gtest.h>

#include <fstream>

#include "common/daemon.h"

namespace antler {
namespace {

TEST(DaemonSettings, DefaultsLoad) {
  auto s = load_daemon_settings(Config::defaults(with_daemon_keys({}, "mfsx")));
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->data_path, "/var/lib/mfs");
  EXPECT_EQ(s->data_path_origin, "default");
  EXPECT_EQ(s->working_user, "mfs");
  EXPECT_EQ(s->working_group, "");
  EXPECT_EQ(s->syslog_ident, "mfsx");
  EXPECT_EQ(s->log_level, log::Level::kInfo);
}

TEST(DaemonSettings, OwnDefaultsWin) {
  auto keys = with_daemon_keys({{"DATA_PATH", KeyDef::kString, "/srv/x"}}, "mfsx");
  auto s = load_daemon_settings(Config::defaults(keys));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->data_path, "/srv/x");
}

TEST(DaemonSettings, FromAFile) {
  std::string p = ::testing::TempDir() + "daemon.cfg";
  std::ofstream(p) << "LOG_LEVEL = warning\nDATA_PATH = /d\n";
  auto c = Config::load(p, with_daemon_keys({}, "mfsx"), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  auto s = load_daemon_settings(*c);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->log_level, log::Level::kWarn);
  EXPECT_EQ(s->data_path, "/d");
  EXPECT_EQ(s->data_path_origin, p + ":2");
}

TEST(DaemonSettings, KeyMissingFromTheTableFails) {
  auto s = load_daemon_settings(Config::defaults({{"DATA_PATH", KeyDef::kString, "/x"}}));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(), "config key not declared: WORKING_USER");
}

}  // namespace
}  // namespace antler

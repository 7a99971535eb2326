// mfschunkserver's typed settings: every key its loader reads is in its table
// (so a mistyped name fails here, not at run time), and bad values name
// FILE:LINE: KEY.
#include "daemons/chunkserver/chunkserver_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/daemon.h"

namespace antler::cs {
namespace {

std::vector<KeyDef> table() { return with_daemon_keys(chunkserver_keys(), "mfschunkserver"); }

std::string write_file(const std::string& name, const std::string& text) {
  std::string p = ::testing::TempDir() + name;
  std::ofstream(p) << text;
  return p;
}

TEST(ChunkserverSettings, DefaultsLoad) {
  auto s = load_chunkserver_settings(Config::defaults(table()));
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->hdd_conf_filename, "/etc/mfs/mfshdd.cfg");
  EXPECT_EQ(s->master_host, "mfsmaster");
  EXPECT_EQ(s->master_port, 9420);
  EXPECT_EQ(s->bind_host, "");
  EXPECT_EQ(s->listen_host, "*");
  EXPECT_EQ(s->listen_port, 9422);
  EXPECT_EQ(s->listen_port_origin, "default");
  EXPECT_EQ(s->master_reconnection_delay_s, 5);
  EXPECT_EQ(s->master_timeout_s, 10);
  EXPECT_EQ(s->leave_space_default, 256u << 20);
  EXPECT_EQ(s->labels, "");
  EXPECT_FALSE(s->fsync_before_close);
  EXPECT_DOUBLE_EQ(s->test_speed_mib_s, 1.0);
  EXPECT_EQ(s->rebalance_utilization, 20);
  EXPECT_EQ(s->error_tolerance_count, 2u);
  EXPECT_EQ(s->error_tolerance_period_s, 600u);
}

TEST(ChunkserverSettings, KeyMissingFromTheTableFailsStartUp) {
  std::vector<KeyDef> keys;
  for (const KeyDef& d : table())
    if (d.name != "LABELS") keys.push_back(d);
  auto s = load_chunkserver_settings(Config::defaults(keys));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(), "config key not declared: LABELS");
}

TEST(ChunkserverSettings, OutOfRangeNamesFileLineAndKey) {
  auto p = write_file("cs_range.cfg", "LABELS = ssd\nHDD_REBALANCE_UTILIZATION = 101\n");
  auto c = Config::load(p, table(), nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(), p + ":2: HDD_REBALANCE_UTILIZATION: value 101 out of range [0, 100]");
}

TEST(ChunkserverSettings, BadSizeAndSpeedNameFileLineAndKey) {
  auto p = write_file("cs_size.cfg", "HDD_LEAVE_SPACE_DEFAULT = lots\n");
  auto c = Config::load(p, table(), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  auto s = load_chunkserver_settings(*c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(), p + ":1: HDD_LEAVE_SPACE_DEFAULT: 'lots' is not a size (e.g. 256MiB)");

  p = write_file("cs_speed.cfg", "HDD_FSYNC_BEFORE_CLOSE = yes\nHDD_TEST_SPEED = fast\n");
  c = Config::load(p, table(), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  s = load_chunkserver_settings(*c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(),
            p + ":2: HDD_TEST_SPEED: 'fast' is not a speed in MiB/s (e.g. 1.5; 0 turns the scrub off)");
}

}  // namespace
}  // namespace antler::cs

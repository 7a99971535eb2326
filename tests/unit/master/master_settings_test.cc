// mfsmaster's typed settings: every key its loaders read is in its table (so a
// mistyped name fails here, not at run time), and bad values name FILE:LINE: KEY.
#include "daemons/master/master_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/daemon.h"

namespace antler::master {
namespace {

std::vector<KeyDef> table() { return with_daemon_keys(master_keys(), "mfsmaster"); }

std::string write_file(const std::string& name, const std::string& text) {
  std::string p = ::testing::TempDir() + name;
  std::ofstream(p) << text;
  return p;
}

TEST(MasterSettings, DefaultsLoad) {
  auto s = load_master_settings(Config::defaults(table()));
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->data_path, "/var/lib/mfs");
  EXPECT_EQ(s->back_logs, 50);
  EXPECT_EQ(s->matocl_port, 9421);
  EXPECT_EQ(s->matocs_port, 9420);
  EXPECT_EQ(s->matoml_port, 9419);
  EXPECT_EQ(s->matocl_host, "*");
  EXPECT_EQ(s->default_goal, 2);
  EXPECT_EQ(s->default_trashtime, 86400u);
  EXPECT_EQ(s->exports_filename, "/etc/mfs/mfsexports.cfg");
  EXPECT_EQ(s->topology_filename, "/etc/mfs/mfstopology.cfg");
  EXPECT_EQ(s->metadata_save_freq_h, 1);
  EXPECT_EQ(s->atime_mode, 2);
  EXPECT_EQ(s->session_lock_timeout_s, 5);
  EXPECT_EQ(s->quota_default_grace_period_s, 604800u);
  EXPECT_EQ(s->cs_maintenance_mode_timeout_s, 0);
  EXPECT_EQ(s->cs_temp_maintenance_mode_timeout_s, 1800);
  EXPECT_EQ(s->loop.loop_max_cps, 100000);
  EXPECT_EQ(s->loop.loop_min_time_s, 300);
  EXPECT_EQ(s->loop.delay_init_ms, 60000);
  EXPECT_EQ(s->loop.delay_disconnect_ms, 0);
  EXPECT_EQ(s->loop.write.endangered, 2u);
  EXPECT_EQ(s->loop.read.balance_other, 5u);
  EXPECT_DOUBLE_EQ(s->loop.acceptable_difference, 1.0);
  EXPECT_EQ(s->placement.unique_mode, 0);
}

TEST(MasterSettings, KeyMissingFromTheTableFailsStartUp) {
  std::vector<KeyDef> keys;
  for (const KeyDef& d : table())
    if (d.name != "ATIME_MODE") keys.push_back(d);
  auto s = load_master_settings(Config::defaults(keys));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(), "config key not declared: ATIME_MODE");
}

TEST(MasterSettings, OutOfRangeNamesFileLineAndKey) {
  auto p = write_file("master_range.cfg", "# comment\nATIME_MODE = 1\nCHUNKS_LOOP_MAX_CPS = 0\n");
  auto c = Config::load(p, table(), nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.status().message(), p + ":3: CHUNKS_LOOP_MAX_CPS: value 0 out of range [1, 100000000]");
}

TEST(MasterSettings, BadChunkLoopTextNamesFileLineAndKey) {
  auto p = write_file("master_rep.cfg", "ATIME_MODE = 1\nCHUNKS_WRITE_REP_LIMIT = 0,1\n");
  auto c = Config::load(p, table(), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  auto s = load_master_settings(*c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.status().message(), p + ":2: CHUNKS_WRITE_REP_LIMIT: '0,1' is not one number or four separated by "
                                      "commas (1-1000, 1-1000, 0-1000, 0-1000)");
}

TEST(MasterSettings, ReloadKeepsTheChunkLoopOnABadValueButAppliesTheRest) {
  auto running = load_master_settings(Config::defaults(table()));
  ASSERT_TRUE(running);
  running->loop.loop_max_cps = 77;  // as if set at start
  auto p = write_file("master_reload.cfg",
                      "ATIME_MODE = 4\nCHUNKS_LOOP_MAX_CPS = 500\nACCEPTABLE_PERCENTAGE_DIFFERENCE = 50\n");
  auto c = Config::load(p, table(), nullptr);
  ASSERT_TRUE(c) << c.status().to_string();
  Status loop_error;
  auto fresh = reload_master_settings(*c, *running, &loop_error);
  ASSERT_TRUE(fresh) << fresh.status().to_string();
  EXPECT_EQ(fresh->atime_mode, 4);
  EXPECT_EQ(fresh->loop.loop_max_cps, 77);
  ASSERT_FALSE(loop_error.ok());
  EXPECT_NE(loop_error.message().find(p + ":3: ACCEPTABLE_PERCENTAGE_DIFFERENCE: '50'"), std::string::npos)
      << loop_error.message();

  auto good = Config::load(write_file("master_reload2.cfg", "CHUNKS_LOOP_MAX_CPS = 500\n"), table(), nullptr);
  ASSERT_TRUE(good);
  fresh = reload_master_settings(*good, *running, &loop_error);
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(loop_error.ok());
  EXPECT_EQ(fresh->loop.loop_max_cps, 500);
}

}  // namespace
}  // namespace antler::master

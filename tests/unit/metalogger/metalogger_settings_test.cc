// mfsmetalogger's typed settings: every key its loader reads is in its table,
// the defaults are MooseFS 3.0's, and a bad value names FILE:LINE: KEY.
#include "daemons/metalogger/metalogger_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/daemon.h"

namespace antler::ml {
namespace {

std::vector<KeyDef> table() { return with_daemon_keys(metalogger_keys(), "mfsmetalogger"); }

TEST(MetaloggerSettings, DefaultsLoad) {
  auto s = load_metalogger_settings(Config::defaults(table()));
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->master_host, "mfsmaster");
  EXPECT_EQ(s->master_port, 9419);
  EXPECT_EQ(s->bind_host, "");
  EXPECT_EQ(s->reconnection_delay_s, 5);
  EXPECT_EQ(s->timeout_s, 10);
  EXPECT_EQ(s->back_logs, 50);
  EXPECT_EQ(s->back_meta_keep_previous, 3);
  EXPECT_EQ(s->meta_download_freq_h, 24);
  EXPECT_FALSE(s->lock_memory);
  EXPECT_EQ(s->nice_level, -19);
  EXPECT_FALSE(s->data_path.empty());
}

TEST(MetaloggerSettings, ABadValueNamesFileLineAndKey) {
  std::string p = ::testing::TempDir() + "mfsmetalogger-bad.cfg";
  std::ofstream(p) << "MASTER_HOST = m1\n# comment\nBACK_LOGS = 0\n";
  std::vector<std::string> warnings;
  auto c = Config::load(p, table(), &warnings);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(p + ":3: BACK_LOGS"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace antler::ml

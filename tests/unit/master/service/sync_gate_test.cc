// SYNC_METALOGGERS' gate: what waits, what is released when, and the two
// fallbacks of SYNC_METALOGGERS_TIMEOUT.
#include "daemons/master/service/sync_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace antler::master {
namespace {

class Gate : public ::testing::Test {
 protected:
  void configure(uint32_t n, bool serve = false, int64_t timeout_ms = 10000) {
    SyncGate::Settings s;
    s.n = n;
    s.timeout_ms = timeout_ms;
    s.serve = serve;
    gate_.set(s, now_);
  }
  // Holds "name" until version v is synced.
  void send(uint64_t v, const std::string& name) {
    gate_.when_synced(
        v, [this, name] { sent_.push_back(name); }, now_);
  }
  SyncGate gate_;
  std::vector<std::string> sent_;
  int64_t now_ = 1000;
};

TEST_F(Gate, OffSendsAtOnce) {
  send(5, "a");
  EXPECT_EQ(sent_, std::vector<std::string>{"a"});
  EXPECT_EQ(gate_.stats(now_).mode, SyncGate::Mode::kOff);
}

TEST_F(Gate, AnswersWaitForTheNthMetaloggerInOrder) {
  configure(2);
  gate_.update({0, 0}, 0, now_);
  send(1, "create");
  send(2, "rename");
  send(2, "getattr after rename");
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(gate_.stats(now_).held, 3u);
  gate_.update({2, 0}, 2, now_);  // one metalogger of the two has everything
  EXPECT_TRUE(sent_.empty());
  now_ += 3;
  gate_.update({2, 1}, 2, now_);
  EXPECT_EQ(sent_, std::vector<std::string>{"create"});
  gate_.update({1, 2}, 2, now_);  // order of the list does not matter
  EXPECT_EQ(sent_.size(), 1u);
  gate_.update({2, 2}, 2, now_);
  EXPECT_EQ(sent_, (std::vector<std::string>{"create", "rename", "getattr after rename"}));
  SyncGate::Stats st = gate_.stats(now_);
  EXPECT_EQ(st.held, 0u);
  EXPECT_EQ(st.released_total, 3u);
  EXPECT_GE(st.wait_us_total, 0);
  EXPECT_EQ(st.synced, 2u);
  // A version already on two disks goes at once.
  send(2, "read");
  EXPECT_EQ(sent_.back(), "read");
  EXPECT_TRUE(gate_.counted(2));
  EXPECT_FALSE(gate_.counted(0));
}

TEST_F(Gate, NothingOvertakesAHeldAnswer) {
  configure(1);
  gate_.update({4}, 4, now_);
  send(6, "first");
  // Even an answer that depends on nothing new waits behind it.
  send(4, "second");
  EXPECT_TRUE(sent_.empty());
  gate_.update({6}, 6, now_);
  EXPECT_EQ(sent_, (std::vector<std::string>{"first", "second"}));
}

TEST_F(Gate, RefuseFallbackRefusesChangesButNeverAnswersUnsyncedOnes) {
  configure(1, /*serve=*/false, 10000);
  gate_.update({}, 7, now_);  // no metalogger
  send(7, "made before the timeout");
  now_ += 9999;
  gate_.tick(now_);
  EXPECT_FALSE(gate_.refuse_change());
  now_ += 1;
  gate_.tick(now_);
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kRefusing);
  EXPECT_TRUE(gate_.refuse_change());
  EXPECT_TRUE(sent_.empty()) << "an answer to a change no metalogger has went out";
  EXPECT_EQ(gate_.stats(now_).fallbacks_total, 1u);
  EXPECT_EQ(gate_.stats(now_).refused_total, 1u);
  // A metalogger comes back, catches up: the answer goes, changes are taken again.
  gate_.update({3}, 7, now_);
  EXPECT_TRUE(sent_.empty());
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kRefusing);
  gate_.update({7}, 7, now_);
  EXPECT_EQ(sent_, std::vector<std::string>{"made before the timeout"});
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kSync);
  EXPECT_FALSE(gate_.refuse_change());
}

TEST_F(Gate, AStalledMetaloggerAlsoStartsTheFallback) {
  configure(1, /*serve=*/false, 5000);
  gate_.update({3}, 3, now_);  // connected, but it never acknowledges again
  send(4, "x");
  now_ += 5000;
  gate_.tick(now_);
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kRefusing);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(Gate, ServeFallbackSendsEverythingUntilTheMetaloggersCatchUp) {
  configure(1, /*serve=*/true, 2000);
  gate_.update({}, 3, now_);
  send(3, "a");
  now_ += 2000;
  gate_.tick(now_);
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kServing);
  EXPECT_EQ(sent_, std::vector<std::string>{"a"});
  send(4, "b");  // not held while serving
  EXPECT_EQ(sent_.size(), 2u);
  EXPECT_FALSE(gate_.refuse_change());
  gate_.update({2}, 4, now_);  // back, but behind: still serving
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kServing);
  gate_.update({4}, 4, now_);
  EXPECT_EQ(gate_.mode(), SyncGate::Mode::kSync);
  send(5, "c");
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(Gate, LoweringSyncMetaloggersToZeroReleasesAll) {
  configure(2);
  gate_.update({5}, 5, now_);
  send(5, "a");
  EXPECT_TRUE(sent_.empty());
  configure(1);  // one is enough now, and it has version 5
  EXPECT_EQ(sent_, std::vector<std::string>{"a"});
  send(6, "b");
  configure(0);
  EXPECT_EQ(sent_, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace antler::master

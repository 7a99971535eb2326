// The chunk registry and the chunk loop against a fake chunkserver-command
// host: what the loop sends for under-goal, over-goal, stale and orphan
// copies, and how the registry records the answers.
#include <gtest/gtest.h>

#include <deque>

#include "daemons/master/chunks/chunk_loop.h"
#include "daemons/master/chunks/registry.h"
#include "daemons/master/chunks/topology.h"
#include "daemons/master/fs/fs.h"

namespace antler::master {
namespace {

constexpr int64_t T = 1700000000LL * 1000000000LL;
constexpr uint64_t kGiB = 1ull << 30;

// Records every command; the test answers them.
class FakeHost : public ChunkLoopHost {
 public:
  struct Sent {
    uint32_t cs;
    CsCommand cmd;
    Done done;
  };
  void send(uint32_t cs, const CsCommand& cmd, Done done) override { sent.push_back({cs, cmd, std::move(done)}); }
  int64_t now_ms() const override { return now; }
  void post(std::function<void()> fn) override { posted.push_back(std::move(fn)); }
  // Answers the oldest command with st.
  Sent answer(St st) {
    Sent s = std::move(sent.front());
    sent.pop_front();
    s.done(st, 0);
    return s;
  }
  void run_posted() {
    auto p = std::move(posted);
    posted.clear();
    for (auto& f : p) f();
  }
  template <class M>
  size_t count() const {
    size_t n = 0;
    for (const Sent& s : sent) n += std::holds_alternative<M>(s.cmd);
    return n;
  }
  std::deque<Sent> sent;
  std::vector<std::function<void()>> posted;
  int64_t now = 1000000;
};

class ChunkLoopTest : public ::testing::Test {
 protected:
  ChunkLoopTest() : reg(topo), loop(reg, fs, host) {
    fs.init_empty(77, T, 2, 0);
    LoopSettings s;
    s.delay_init_ms = 0;
    s.delay_disconnect_ms = 3600000;
    s.loop_min_time_s = 1;
    s.acceptable_difference = 10;  // no rebalancing unless a test asks
    loop.set_settings(s);
    loop.set_started(0);
  }
  // A connected server with `used` of 100 GiB used.
  uint32_t add_server(uint32_t ip, uint64_t used_gib = 10) {
    uint32_t id = reg.register_server({ip, 9422});
    ChunkServer* s = reg.server(id);
    s->up = true;
    s->total = 100 * kGiB;
    s->used = used_gib * kGiB;
    return id;
  }
  // A file of goal `goal` with one chunk (id 1, version 1).
  void add_file(uint8_t goal) {
    OpCreate create{1, "f", msg::kFile, 0644, 0, 0, 0, 2};
    create.goal = goal;
    ASSERT_EQ(fs.apply(create, T), St::kOk);
    ASSERT_EQ(fs.apply(OpSetChunk{2, 0, 1, 1}, T), St::kOk);
    ASSERT_EQ(fs.chunk(1)->goal, goal);
  }
  // Advances the clock a second and runs a loop step.
  void step() {
    host.now += 1000;
    loop.step();
  }

  Fs fs;
  Topology topo;
  ChunkRegistry reg;
  FakeHost host;
  ChunkLoop loop;
};

TEST_F(ChunkLoopTest, UnderGoalChunkIsReplicatedFromAHolderToAnotherServer) {
  uint32_t a = add_server(0x7f000001), b = add_server(0x7f000002, 50), c = add_server(0x7f000003);
  add_file(2);
  reg.add_copy(1, {a, 1});
  step();
  ASSERT_EQ(host.sent.size(), 1u);
  const auto& rep = std::get<msg::CsReplicate>(host.sent.front().cmd);
  // The emptier of the two servers without a copy gets it, from the holder.
  EXPECT_EQ(host.sent.front().cs, c);
  EXPECT_EQ(rep.chunk_id, 1u);
  EXPECT_EQ(rep.version, 1u);
  EXPECT_EQ(rep.source, reg.server(a)->loc);
  EXPECT_TRUE(reg.busy(1));
  host.answer(St::kOk);
  EXPECT_FALSE(reg.busy(1));
  EXPECT_EQ(reg.valid_count(1, 1), 2u);
  EXPECT_EQ(loop.totals().replications_done, 1u);
  // At its goal now: nothing more is sent.
  host.run_posted();
  step();
  step();
  EXPECT_TRUE(host.sent.empty());
  (void)b;
}

TEST_F(ChunkLoopTest, FailedReplicationLeavesTheCopiesAsTheyWere) {
  uint32_t a = add_server(0x7f000001);
  add_server(0x7f000002);
  add_file(2);
  reg.add_copy(1, {a, 1});
  step();
  ASSERT_EQ(host.count<msg::CsReplicate>(), 1u);
  host.answer(St::kIO);
  EXPECT_EQ(reg.valid_count(1, 1), 1u);
  EXPECT_EQ(loop.totals().replications_failed, 1u);
  EXPECT_FALSE(reg.busy(1));
}

TEST_F(ChunkLoopTest, OverGoalCopyOnTheFullestServerIsDeleted) {
  uint32_t a = add_server(0x7f000001, 10), b = add_server(0x7f000002, 90), c = add_server(0x7f000003, 20);
  add_file(2);
  for (uint32_t cs : {a, b, c}) reg.add_copy(1, {cs, 1});
  step();
  ASSERT_EQ(host.count<msg::CsDelete>(), 1u);
  EXPECT_EQ(host.sent.front().cs, b);
  EXPECT_EQ(reg.valid_count(1, 1), 2u);  // forgotten when sent
  host.answer(St::kOk);
  EXPECT_EQ(loop.totals().deletions_done, 1u);
}

TEST_F(ChunkLoopTest, StaleCopyGoesOnlyWhileAValidOneExists) {
  uint32_t a = add_server(0x7f000001), b = add_server(0x7f000002);
  add_file(1);
  ASSERT_EQ(fs.apply(OpSetVersion{1, 2}, T), St::kOk);
  // Only a copy of another version (not version - 1: not raised either):
  // it is all that is left of the data, so it stays.
  reg.add_copy(1, {b, 5});
  step();
  EXPECT_EQ(host.count<msg::CsDelete>(), 0u);
  EXPECT_EQ(loop.last().chunks, 0u);  // the first pass is still counting
  // A valid copy appears: the stale one goes.
  reg.add_copy(1, {a, 2});
  step();
  step();
  ASSERT_EQ(host.count<msg::CsDelete>(), 1u);
  EXPECT_EQ(host.sent.front().cs, b);
  EXPECT_EQ(std::get<msg::CsDelete>(host.sent.front().cmd).version, 5u);
}

TEST_F(ChunkLoopTest, OrphanCopiesAreDeletedWithinTheLimit) {
  uint32_t a = add_server(0x7f000001);
  LoopSettings s = loop.settings();
  s.soft_del_limit = s.hard_del_limit = 2;
  loop.set_settings(s);
  for (uint64_t id = 100; id < 105; id++) loop.queue_deletion(a, id, 1, DelWhy::kOrphan);
  step();
  EXPECT_EQ(host.count<msg::CsDelete>(), 2u);  // CHUNKS_*_DEL_LIMIT per step
  step();
  EXPECT_EQ(host.count<msg::CsDelete>(), 4u);
  step();
  EXPECT_EQ(host.count<msg::CsDelete>(), 5u);
}

TEST_F(ChunkLoopTest, LeasedChunkIsLeftAlone) {
  uint32_t a = add_server(0x7f000001);
  add_server(0x7f000002);
  add_file(2);
  reg.add_copy(1, {a, 1});
  reg.grant_lease(1, 42, host.now + kWriteLeaseMs);
  step();
  EXPECT_TRUE(host.sent.empty());
  // The write ends: checked at once, not at the next walk.
  reg.end_lease(1);
  loop.recheck({1});
  step();
  EXPECT_EQ(host.count<msg::CsReplicate>(), 1u);
}

TEST_F(ChunkLoopTest, ServerAwayPastTheDelayHasItsChunksReplaced) {
  uint32_t a = add_server(0x7f000001), b = add_server(0x7f000002);
  add_server(0x7f000003);
  add_file(2);
  reg.add_copy(1, {a, 1});
  reg.add_copy(1, {b, 1});
  step();
  EXPECT_TRUE(host.sent.empty());
  // b goes away: within REPLICATIONS_DELAY_DISCONNECT its copy is waited for.
  reg.server(b)->up = false;
  reg.server(b)->disconnected_ms = host.now;
  loop.server_gone(b);
  step();
  EXPECT_TRUE(host.sent.empty());
  host.now += 3600000;
  step();
  ASSERT_EQ(host.count<msg::CsReplicate>(), 1u);
  EXPECT_NE(host.sent.front().cs, b);
  EXPECT_EQ(reg.copies(1)->size(), 1u);  // b's copy forgotten
}

TEST_F(ChunkLoopTest, MaintenanceKeepsCopiesAndTakesNoReplicas) {
  uint32_t a = add_server(0x7f000001), b = add_server(0x7f000002), c = add_server(0x7f000003);
  add_file(2);
  reg.add_copy(1, {a, 1});
  reg.server(c)->maintenance = msg::kMaintenanceOn;
  step();
  ASSERT_EQ(host.count<msg::CsReplicate>(), 1u);
  EXPECT_EQ(host.sent.front().cs, b);  // not c, in maintenance
}

// A server comes back with a disk marked for removal: the removal status
// stays PENDING until a pass that started after it registered completes (a
// pass from before would call the disk safe to pull), then NOT READY until a
// pass has seen the chunk's goal met elsewhere.
TEST_F(ChunkLoopTest, RemovalStatusWaitsForAPassThatSawTheServer) {
  uint32_t a = add_server(0x7f000001), b = add_server(0x7f000002);
  add_file(1);
  reg.add_copy(1, {b, 1});
  step();
  step();
  ASSERT_GE(loop.totals().passes, 1u);
  // a registers (as the master does) holding the only other copy, on a marked disk
  reg.server(a)->registered_ms = host.now;
  reg.drop_copy(1, b);
  reg.add_copy(1, {a, 1, true});
  EXPECT_EQ(loop.removal_status(*reg.server(a)), msg::kRemovalPending);
  step();  // completes the pass that started before a registered
  EXPECT_EQ(loop.removal_status(*reg.server(a)), msg::kRemovalPending);
  step();
  EXPECT_EQ(loop.removal_status(*reg.server(a)), msg::kRemovalNotReady);
  // the replication the loop queued lands on b
  while (!host.sent.empty()) host.answer(St::kOk);
  EXPECT_EQ(loop.totals().replications_done, 1u);
  step();
  step();
  EXPECT_EQ(loop.removal_status(*reg.server(a)), msg::kRemovalReady);
}

TEST(ChunkRegistry, PlacementPrefersFreeSpaceAndUniqueAddresses) {
  Topology topo;
  ChunkRegistry reg(topo);
  auto add = [&](uint32_t ip, uint16_t port, uint64_t used) {
    uint32_t id = reg.register_server({ip, port});
    ChunkServer* s = reg.server(id);
    s->up = true;
    s->total = 100 * kGiB;
    s->used = used * kGiB;
    return id;
  };
  uint32_t a1 = add(0x7f000001, 1, 10), a2 = add(0x7f000001, 2, 5), b = add(0x7f000002, 1, 50);
  EXPECT_EQ(reg.choose_servers(2, {}), (std::vector<uint32_t>{a2, a1}));
  reg.set_settings({1, 0});  // CHUNKS_UNIQUE_MODE = 1: one copy per address
  EXPECT_EQ(reg.choose_servers(2, {}), (std::vector<uint32_t>{a2, b}));
  // A full server (less than a chunk's room) and a disconnected one get nothing.
  reg.server(a2)->used = reg.server(a2)->total;
  reg.server(b)->up = false;
  EXPECT_EQ(reg.choose_servers(3, {}), (std::vector<uint32_t>{a1}));
  // The same address registering while connected is refused.
  EXPECT_EQ(reg.register_server({0x7f000001, 1}), 0u);
  // A server coming back keeps its id and forgets its old copies.
  reg.add_copy(7, {b, 3});
  EXPECT_EQ(reg.register_server({0x7f000002, 1}), b);
  EXPECT_EQ(reg.copies(7), nullptr);
}

TEST(ChunkRegistry, KeepCopiesAfterAVersionChange) {
  Topology topo;
  ChunkRegistry reg(topo);
  uint32_t a = reg.register_server({1, 1}), b = reg.register_server({2, 1}), c = reg.register_server({3, 1});
  reg.server(a)->up = reg.server(b)->up = true;  // c is away
  for (uint32_t cs : {a, b, c}) reg.add_copy(9, {cs, 4});
  reg.keep_copies(9, {a}, 5);
  // a made the change; b missed it (kept at 4, stale); c is forgotten.
  ASSERT_NE(reg.copies(9), nullptr);
  ASSERT_EQ(reg.copies(9)->size(), 2u);
  EXPECT_EQ(reg.valid_count(9, 5), 1u);
  EXPECT_EQ(reg.valid_count(9, 4), 1u);
  EXPECT_EQ(reg.valid_locations(9, 5), (std::vector<msg::Location>{reg.server(a)->loc}));
}

}  // namespace
}  // namespace antler::master

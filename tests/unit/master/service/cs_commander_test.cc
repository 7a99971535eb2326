#include "daemons/master/service/cs_commander.h"

#include <gtest/gtest.h>

#include "common/msg/master_cs.h"

namespace antler::master {
namespace {

class RecordingLink : public Link {
 public:
  void send(std::string frame) override {
    frames++;
    last = std::move(frame);
  }
  void close(const std::string&) override { open_ = false; }
  bool open() const override { return open_; }
  int frames = 0;
  std::string last;
  bool open_ = true;
};

// A clock the test moves by hand: after() keeps the timers.
struct Timers {
  std::vector<std::function<void()>> due;
  CsCommander::After after() {
    return [this](int, std::function<void()> fn) { due.push_back(std::move(fn)); };
  }
  void fire_all() {
    auto fns = std::move(due);
    due.clear();
    for (auto& f : fns) f();
  }
};

struct Outcome {
  int calls = 0;
  St status = St::kOk;
  uint32_t version = 0;
  CsCommander::Done done() {
    return [this](St s, uint32_t v) {
      calls++;
      status = s;
      version = v;
    };
  }
};

uint32_t sent_op(const RecordingLink& l) {
  msg::CsCreate m;
  EXPECT_TRUE(net::decode(std::string_view(l.last).substr(8), m));
  return m.op_id;
}

TEST(CsCommander, ACommandToAnUnknownServerFailsAtOnce) {
  Timers t;
  CsCommander c(t.after());
  Outcome o;
  c.send(7, msg::CsCreate{0, 1, 1}, o.done());
  EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(o.status, St::kDisconnected);
  EXPECT_EQ(c.pending(), 0u);
}

TEST(CsCommander, TheReplyRunsDoneOnceAndTheTimeoutThenDoesNothing) {
  Timers t;
  CsCommander c(t.after());
  auto link = std::make_shared<RecordingLink>();
  c.attach(3, link);
  Outcome o;
  c.send(3, msg::CsCreate{0, 42, 1}, o.done());
  ASSERT_EQ(link->frames, 1);
  uint32_t op = sent_op(*link);
  EXPECT_NE(op, 0u);
  EXPECT_TRUE(c.complete(3, op, St::kOk, 1));
  EXPECT_FALSE(c.complete(3, op, St::kOk, 1));
  t.fire_all();
  EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(o.status, St::kOk);
  EXPECT_EQ(o.version, 1u);
}

TEST(CsCommander, NoReplyInTimeIsATimeout) {
  Timers t;
  CsCommander c(t.after());
  auto link = std::make_shared<RecordingLink>();
  c.attach(3, link);
  Outcome o;
  c.send(3, msg::CsCreate{0, 42, 1}, o.done());
  uint32_t op = sent_op(*link);
  t.fire_all();
  EXPECT_EQ(o.calls, 1);
  EXPECT_EQ(o.status, St::kTimeout);
  EXPECT_FALSE(c.complete(3, op, St::kOk, 1)) << "a late reply is ignored";
  EXPECT_EQ(o.calls, 1);
}

TEST(CsCommander, OnlyTheServerThatGotTheCommandCanAnswerIt) {
  Timers t;
  CsCommander c(t.after());
  auto a = std::make_shared<RecordingLink>(), b = std::make_shared<RecordingLink>();
  c.attach(1, a);
  c.attach(2, b);
  Outcome o;
  c.send(1, msg::CsCreate{0, 42, 1}, o.done());
  uint32_t op = sent_op(*a);
  EXPECT_FALSE(c.complete(2, op, St::kOk, 1));
  EXPECT_EQ(o.calls, 0);
  EXPECT_TRUE(c.complete(1, op, St::kCrc, 0));
  EXPECT_EQ(o.status, St::kCrc);
}

TEST(CsCommander, ADetachedServerFailsItsCommandsAndOnlyItsOwn) {
  Timers t;
  CsCommander c(t.after());
  auto a = std::make_shared<RecordingLink>(), b = std::make_shared<RecordingLink>();
  c.attach(1, a);
  c.attach(2, b);
  Outcome oa1, oa2, ob;
  c.send(1, msg::CsCreate{0, 1, 1}, oa1.done());
  c.send(1, msg::CsCreate{0, 2, 1}, oa2.done());
  c.send(2, msg::CsCreate{0, 3, 1}, ob.done());
  EXPECT_FALSE(c.detach(1, b)) << "not server 1's link";
  EXPECT_EQ(oa1.calls, 0);
  EXPECT_TRUE(c.detach(1, a));
  EXPECT_EQ(oa1.status, St::kDisconnected);
  EXPECT_EQ(oa2.status, St::kDisconnected);
  EXPECT_EQ(ob.calls, 0);
  EXPECT_EQ(c.pending(), 1u);
  EXPECT_FALSE(c.attached(1));
  Outcome late;
  c.send(1, msg::CsCreate{0, 4, 1}, late.done());
  EXPECT_EQ(late.status, St::kDisconnected);
}

TEST(CsCommander, AClosedLinkIsNotSentTo) {
  Timers t;
  CsCommander c(t.after());
  auto a = std::make_shared<RecordingLink>();
  c.attach(1, a);
  a->open_ = false;
  Outcome o;
  c.send(1, msg::CsCreate{0, 1, 1}, o.done());
  EXPECT_EQ(o.status, St::kDisconnected);
  EXPECT_EQ(a->frames, 0);
}

}  // namespace
}  // namespace antler::master

#include "client/open_files.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace antler::client {
namespace {

// Releases one handle of f as the client does: flush (here: drop) what is
// buffered, then count the handle released, under one hold of f->mu.
bool release(OpenFiles& t, FileState& f) {
  MutexLock l(&f.mu);
  f.dirty.clear();
  f.dirty_bytes = 0;
  return t.release(f);
}

TEST(OpenFiles, OneStatePerInodeUntilTheLastRelease) {
  OpenFiles t;
  EXPECT_EQ(t.find(7), nullptr);
  auto a = t.open(7);
  auto b = t.open(7);
  auto other = t.open(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(t.handles(7), 2);
  EXPECT_EQ(t.find(7), a);
  EXPECT_FALSE(release(t, *a));
  EXPECT_EQ(t.find(7), a);
  {
    MutexLock l(&a->mu);
    EXPECT_FALSE(a->closed);
  }
  EXPECT_TRUE(release(t, *b));
  EXPECT_EQ(t.find(7), nullptr);
  EXPECT_EQ(t.handles(7), 0);
  {
    MutexLock l(&a->mu);
    EXPECT_TRUE(a->closed);
  }
  auto c = t.open(7);
  EXPECT_NE(c, a);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_TRUE(release(t, *c));
  EXPECT_TRUE(release(t, *other));
  EXPECT_EQ(t.size(), 0u);
}

// Opens racing with last releases of one inode: while a thread holds a
// handle, the table must give its state and no other, and that state must
// not be closed. (Before OpenFiles, the client counted a handle under the
// file's mutex after finding the state under the table's, and erased the
// inode's entry after dropping the file's mutex: an open could then count on
// a state already erased, and the next open made a second one.)
TEST(OpenFiles, OpenRacingWithLastRelease) {
  OpenFiles t;
  constexpr uint32_t kInode = 42;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> wrong{0}, rounds{0};
  auto worker = [&](int k) {
    while (!stop) {
      auto f = t.open(kInode);
      {
        MutexLock l(&f->mu);
        if (f->closed) wrong++;
        f->dirty[k] = "x";  // buffered through this handle
        f->dirty_bytes++;
      }
      if (t.find(kInode) != f) wrong++;  // another handle would not see it
      release(t, *f);
      rounds++;
    }
  };
  std::vector<std::thread> ts;
  for (int k = 0; k < 4; k++) ts.emplace_back(worker, k);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until && wrong == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (auto& th : ts) th.join();
  EXPECT_EQ(wrong, 0u) << "in " << rounds << " open/release rounds";
  EXPECT_EQ(t.size(), 0u);
  EXPECT_GT(rounds, 1000u);
}

}  // namespace
}  // namespace antler::client

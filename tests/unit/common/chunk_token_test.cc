// Chunk access tokens: what a chunkserver accepts.
#include "common/chunk_token.h"

#include <gtest/gtest.h>

namespace antler::token {
namespace {

TEST(ChunkToken, ValidOnlyForItsChunkVersionAndMode) {
  Key k = make_key(1);
  Verifier v;
  v.add(k);
  std::string t = sign(k, 42, 7, kRead);
  EXPECT_EQ(t.size(), kTokenSize);
  EXPECT_TRUE(v.check(t, 42, 7, kRead));
  EXPECT_FALSE(v.check(t, 43, 7, kRead));
  EXPECT_FALSE(v.check(t, 42, 8, kRead));
  EXPECT_FALSE(v.check(t, 42, 7, kWrite));
  EXPECT_FALSE(v.check("", 42, 7, kRead));
  EXPECT_FALSE(v.check(t.substr(1), 42, 7, kRead));
  for (size_t i = 0; i < t.size(); i++) {
    std::string bad = t;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    EXPECT_FALSE(v.check(bad, 42, 7, kRead)) << "byte " << i << " changed";
  }
}

TEST(ChunkToken, AnotherKeyIsRefused) {
  Key k = make_key(1), other = make_key(1);  // same id, another secret
  Verifier v;
  v.add(k);
  EXPECT_FALSE(v.check(sign(other, 1, 1, kWrite), 1, 1, kWrite));
  EXPECT_TRUE(Verifier().empty());
  EXPECT_FALSE(Verifier().check(sign(k, 1, 1, kWrite), 1, 1, kWrite)) << "no key: nothing passes";
}

TEST(ChunkToken, ATokenLivesUntilItsKeyIsTwoRotationsOld) {
  Key k1 = make_key(1), k2 = make_key(2), k3 = make_key(3);
  Verifier v;
  v.reset({k1});
  std::string t1 = sign(k1, 5, 1, kRead);
  v.add(k2);
  EXPECT_TRUE(v.check(t1, 5, 1, kRead)) << "the previous key still counts";
  EXPECT_TRUE(v.check(sign(k2, 5, 1, kRead), 5, 1, kRead));
  v.add(k3);
  EXPECT_FALSE(v.check(t1, 5, 1, kRead)) << "two rotations later it does not";
  EXPECT_TRUE(v.check(sign(k2, 5, 1, kRead), 5, 1, kRead));
  v.add(k1);  // an old key sent again is not taken back
  EXPECT_FALSE(v.check(t1, 5, 1, kRead));
  v.reset({k1});  // a new registration replaces them all
  EXPECT_TRUE(v.check(t1, 5, 1, kRead));
  EXPECT_FALSE(v.check(sign(k3, 5, 1, kRead), 5, 1, kRead));
}

}  // namespace
}  // namespace antler::token

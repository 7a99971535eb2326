// Round trip of every message, truncation at every byte, trailing bytes.
#include <gtest/gtest.h>

#include <random>

#include "client/chunk_io.h"
#include "common/crc.h"
#include "common/messages.h"
#include "common/net.h"

namespace antler {
namespace {

using namespace msg;

struct Filler {
  std::mt19937_64 rng{42};
  template <class T>
  void fill(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = rng() & 1;
    } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
      v = static_cast<T>(rng());
    } else if constexpr (std::is_same_v<T, std::string>) {
      v.assign(rng() % 40, '\0');
      for (auto& c : v) c = static_cast<char>(rng());
    } else if constexpr (serde::HasFields<T>) {
      std::apply([this](auto&... f) { (fill(f), ...); }, v.fields());
    } else {
      v.resize(rng() % 5);
      for (auto& e : v) fill(e);
    }
  }
};

template <class M>
std::string body(const M& m) {
  std::string s;
  serde::encode_body(m, s);
  return s;
}

// Offsets at which the top-level fields of m end.
template <class M>
std::vector<size_t> boundaries(const M& m) {
  std::vector<size_t> out{0};
  std::string s;
  serde::Writer w(s);
  std::apply([&](const auto&... f) { ((w.put(f), out.push_back(s.size())), ...); }, m.fields());
  return out;
}

template <class M>
void check_message() {
  SCOPED_TRACE(M::kType);
  for (int round = 0; round < 20; round++) {
    Filler f;
    f.rng.seed(round * 7919 + M::kType);
    M m;
    f.fill(m);
    std::string enc = body(m);
    M back;
    ASSERT_TRUE(serde::decode_body(enc, back));
    EXPECT_EQ(body(back), enc);

    // Unknown trailing bytes (fields of a newer writer) are skipped.
    M ext;
    ASSERT_TRUE(serde::decode_body(enc + std::string("\x01\x02\x03", 3), ext));
    EXPECT_EQ(body(ext), enc);

    // Every truncation either fails cleanly, or stops at a field boundary
    // and leaves the remaining fields at their defaults.
    auto b = boundaries(m);
    for (size_t len = 0; len < enc.size(); len++) {
      M t;
      bool ok = serde::decode_body(std::string_view(enc).substr(0, len), t);
      bool at_boundary = std::find(b.begin(), b.end(), len) != b.end();
      EXPECT_EQ(ok, at_boundary) << "prefix " << len;
      if (ok) {
        EXPECT_EQ(body(t).substr(0, len), enc.substr(0, len));
      }
    }
  }
}

template <class... M>
void check_all(TypeList<M...>) {
  (check_message<M>(), ...);
}

TEST(Codec, EveryMessageRoundTripsAndTruncates) { check_all(AllMessages{}); }

TEST(Codec, HostileCountsDoNotAllocate) {
  // A vector claiming 2^32-1 elements in a 10-byte payload must fail at once.
  std::string p;
  serde::Writer w(p);
  w.put(uint32_t{7});           // req
  w.put(uint8_t{0});            // status
  w.put(uint32_t{0xFFFFFFFF});  // entries count
  ClReaddirReply r;
  EXPECT_FALSE(serde::decode_body(p, r));
  // A string longer than the payload.
  std::string q;
  serde::Writer wq(q);
  wq.put(uint32_t{1});
  wq.put(uint32_t{1000});
  ClReadlinkReply rl;
  EXPECT_FALSE(serde::decode_body(q, rl));
}

TEST(Codec, FrameHeader) {
  std::string f = net::frame(ClGetattr{5, 9});
  ASSERT_EQ(f.size(), 16u);
  uint32_t hdr[2];
  std::memcpy(hdr, f.data(), 8);
  EXPECT_EQ(hdr[0], ClGetattr::kType);
  EXPECT_EQ(hdr[1], 8u);
}

TEST(Codec, BoolsOtherThanZeroOrOneAreRejected) {
  std::string p;
  serde::Writer w(p);
  w.put(uint64_t{1});
  w.put(uint8_t{2});
  CsWriteEnd e;
  EXPECT_FALSE(serde::decode_body(p, e));
}

}  // namespace
}  // namespace antler

namespace antler {
namespace {

TEST(Codec, HandBuiltWriteDataFrameMatchesCodec) {
  std::string data(70000, 'q');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7);
  std::string hand;
  client::append_write_data_frame(0x1122334455667788ULL, 9, 4096, data.data(), 65536, hand);
  msg::CsWriteData d{0x1122334455667788ULL, 9, 4096, crc32c(data.data(), 65536), data.substr(0, 65536)};
  EXPECT_EQ(hand, net::frame(d));
}

}  // namespace
}  // namespace antler

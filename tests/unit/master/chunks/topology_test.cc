// mfstopology.cfg: address forms, last line wins, distances as MooseFS
// defines them, and one-line errors.
#include <gtest/gtest.h>

#include "daemons/master/chunks/topology.h"

namespace antler::master {
namespace {

uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

TEST(Topology, LocationsAndDistances) {
  auto t = Topology::parse(
      "# comment\n"
      "10.0.1.0/24   US|PHOENIX|AT&T|RACK1\n"
      "10.0.2.0-10.0.2.255 US|PHOENIX|AT&T|RACK2   # trailing comment\n"
      "10.0.3.0/255.255.255.0 US|PHOENIX|ATM|RACK7\n"
      "10.0.4.0/24 US|CHICAGO|AT&T|RACK2\n"
      "10.0.5.0/24 US|ATM\n"
      "10.0.6.0/24 DE\n"
      "10.0.1.9 A|B|C\n",
      "topo");
  ASSERT_TRUE(t) << t.status().to_string();
  EXPECT_EQ(t->size(), 7u);
  EXPECT_EQ(t->location(ip(10, 0, 1, 5)), "US|PHOENIX|AT&T|RACK1");
  EXPECT_EQ(t->location(ip(10, 0, 1, 9)), "A|B|C");  // a later line wins
  EXPECT_EQ(t->location(ip(192, 168, 0, 1)), "");
  uint32_t r1 = ip(10, 0, 1, 5);
  EXPECT_EQ(t->distance(r1, r1), 0u);
  EXPECT_EQ(t->distance(r1, ip(10, 0, 1, 6)), 1u);
  EXPECT_EQ(t->distance(r1, ip(10, 0, 2, 1)), 2u);
  EXPECT_EQ(t->distance(r1, ip(10, 0, 3, 1)), 3u);
  EXPECT_EQ(t->distance(r1, ip(10, 0, 4, 1)), 4u);
  EXPECT_EQ(t->distance(r1, ip(10, 0, 5, 1)), 4u);
  EXPECT_EQ(t->distance(ip(10, 0, 5, 1), ip(10, 0, 6, 1)), 3u);     // US|ATM vs DE
  EXPECT_EQ(t->distance(ip(10, 0, 6, 1), ip(192, 168, 0, 1)), 2u);  // DE vs ''
  EXPECT_EQ(t->distance(ip(1, 1, 1, 1), ip(2, 2, 2, 2)), 1u);       // both nowhere: the same location
}

TEST(Topology, ErrorsNameFileAndLine) {
  auto err = [](const Result<Topology>& r) {
    EXPECT_FALSE(r);
    EXPECT_EQ(r.status().code(), St::kInval);
    return r.status().message();
  };
  std::string e = err(Topology::parse("10.0.0.0/24 R1\n10.0.1.0/24\n", "t.cfg"));
  EXPECT_EQ(e.rfind("t.cfg:2: ", 0), 0u) << e;
  e = err(Topology::parse("10.0.0.300 R1\n", "t.cfg"));
  EXPECT_EQ(e.rfind("t.cfg:1: ", 0), 0u) << e;
  e = err(Topology::parse("* A||B\n", "t.cfg"));
  EXPECT_NE(e.find("empty element"), std::string::npos) << e;
  e = err(Topology::parse("* A B\n", "t.cfg"));
  EXPECT_EQ(e.rfind("t.cfg:1: ", 0), 0u) << e;
  auto none = Topology::load("/nonexistent/mfstopology.cfg");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->size(), 0u);
}

}  // namespace
}  // namespace antler::master

// mfsexports.cfg: parser (every form and every error), rule choice, and the
// password challenge's crypto.
#include <gtest/gtest.h>

#include "common/auth.h"
#include "daemons/master/fs/perm.h"
#include "daemons/master/sessions/exports.h"

namespace antler::master {
namespace {

uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

Exports parse_ok(const std::string& text) {
  auto e = Exports::parse(text, "mfsexports.cfg");
  EXPECT_TRUE(e) << e.status().to_string();
  return e ? *e : Exports{};
}

ExportRule one(const std::string& line) {
  Exports e = parse_ok(line + "\n");
  EXPECT_EQ(e.size(), 1u);
  return e.size() ? e.rules()[0] : ExportRule{};
}

std::string parse_err(const std::string& text) {
  auto e = Exports::parse(text, "mfsexports.cfg");
  EXPECT_FALSE(e) << text;
  EXPECT_EQ(e.status().code(), St::kInval) << text;
  const std::string& err = e.status().message();
  EXPECT_EQ(err.find('\n'), std::string::npos);
  return err;
}

const auto kNoPassword = [](const ExportRule&) { return false; };

TEST(Exports, AddressForms) {
  ExportRule r = one("* /");
  EXPECT_EQ(r.ip_from, 0u);
  EXPECT_EQ(r.ip_to, 0xFFFFFFFFu);
  r = one("192.168.1.7 /");
  EXPECT_EQ(r.ip_from, ip(192, 168, 1, 7));
  EXPECT_EQ(r.ip_to, ip(192, 168, 1, 7));
  r = one("10.1.2.3/8 /");
  EXPECT_EQ(r.ip_from, ip(10, 0, 0, 0));
  EXPECT_EQ(r.ip_to, ip(10, 255, 255, 255));
  r = one("172.16.5.0/255.255.0.0 /");
  EXPECT_EQ(r.ip_from, ip(172, 16, 0, 0));
  EXPECT_EQ(r.ip_to, ip(172, 16, 255, 255));
  r = one("0.0.0.0/0 /");
  EXPECT_EQ(r.ip_to, 0xFFFFFFFFu);
  r = one("1.2.3.4/32 /");
  EXPECT_EQ(r.ip_from, r.ip_to);
  r = one("192.168.1.10-192.168.1.20 /");
  EXPECT_EQ(r.ip_from, ip(192, 168, 1, 10));
  EXPECT_EQ(r.ip_to, ip(192, 168, 1, 20));
  EXPECT_TRUE(r.admits(ip(192, 168, 1, 15), "/", false));
  EXPECT_FALSE(r.admits(ip(192, 168, 1, 21), "/", false));
  EXPECT_FALSE(r.admits(ip(192, 168, 1, 9), "/", false));
}

TEST(Exports, Defaults) {
  ExportRule r = one("* /");
  EXPECT_TRUE(r.readonly);  // MooseFS: ro unless rw
  EXPECT_EQ(r.maproot_uid, 999u);
  EXPECT_EQ(r.maproot_gid, 999u);
  EXPECT_FALSE(r.has_mapall);
  EXPECT_FALSE(r.alldirs);
  EXPECT_TRUE(r.password_md5.empty());
  EXPECT_EQ(r.min_goal, 1);
  EXPECT_EQ(r.max_goal, 9);
  EXPECT_EQ(r.min_trashtime, 0u);
  EXPECT_EQ(r.max_trashtime, 0xFFFFFFFFu);
  EXPECT_EQ(r.disables, 0u);
  EXPECT_EQ(r.line, 1);
}

TEST(Exports, Options) {
  ExportRule r = one("* /data/ rw,alldirs,dynamicip,ignoregid,admin,nonrootmeta,canchangequota,maproot=0");
  EXPECT_EQ(r.dir, "/data");
  EXPECT_FALSE(r.readonly);
  EXPECT_TRUE(r.alldirs && r.dynamicip && r.ignoregid && r.admin && r.nonrootmeta);
  EXPECT_EQ(r.maproot_uid, 0u);
  EXPECT_EQ(r.maproot_gid, 0u);  // root's primary group
  EXPECT_TRUE(one("* / readwrite,readonly").readonly);
  EXPECT_FALSE(one("* / ro,readwrite").readonly);
  r = one("* / maproot=1234:5678,mapall=nobody:nogroup");
  EXPECT_EQ(r.maproot_uid, 1234u);
  EXPECT_EQ(r.maproot_gid, 5678u);
  EXPECT_TRUE(r.has_mapall);
  EXPECT_EQ(r.mapall_uid, 65534u);
  EXPECT_EQ(r.mapall_gid, 65534u);
  r = one("* / maproot=root:daemon");
  EXPECT_EQ(r.maproot_uid, 0u);
  EXPECT_EQ(r.maproot_gid, 1u);
  r = one("* / password=secret");
  EXPECT_EQ(r.password_md5, auth::md5("secret"));
  r = one("* / md5pass=5EBE2294ECD0E0F08EAB7690D2A6EE69");  // md5("secret")
  EXPECT_EQ(r.password_md5, auth::md5("secret"));
  r = one("* / mingoal=2,maxgoal=3,mintrashtime=2h,maxtrashtime=1w");
  EXPECT_EQ(r.min_goal, 2);
  EXPECT_EQ(r.max_goal, 3);
  EXPECT_EQ(r.min_trashtime, 7200u);
  EXPECT_EQ(r.max_trashtime, 7 * 86400u);
  r = one("* / minversion=1.6.27");
  EXPECT_EQ(r.min_version, (1u << 16) | (6u << 8) | 27u);
  r = one("* / disable=chown:chmod,disable=setsclass:readdir");
  EXPECT_TRUE(r.disabled(Disable::kChown));
  EXPECT_TRUE(r.disabled(Disable::kChmod));
  EXPECT_TRUE(r.disabled(Disable::kSetgoal));
  EXPECT_TRUE(r.disabled(Disable::kReaddir));
  EXPECT_FALSE(r.disabled(Disable::kWrite));
  r = one("* . rw");
  EXPECT_TRUE(r.meta());
  // every operation name of disable= is known
  for (int i = 0; i < static_cast<int>(Disable::kCount); i++) {
    Disable d = static_cast<Disable>(i);
    EXPECT_TRUE(one(std::string("* / disable=") + disable_name(d)).disabled(d)) << disable_name(d);
  }
  // blank lines, comments, tabs, empty options between commas
  Exports e = parse_ok("\n# c\n\t10.0.0.1\t/\trw,,alldirs,   # trailing comment\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e.rules()[0].line, 3);
  EXPECT_TRUE(e.rules()[0].alldirs);
}

TEST(Exports, Durations) {
  uint32_t t = 0;
  EXPECT_TRUE(parse_duration("3600", &t));
  EXPECT_EQ(t, 3600u);
  EXPECT_TRUE(parse_duration("30m", &t));
  EXPECT_EQ(t, 1800u);
  EXPECT_TRUE(parse_duration("1d", &t));
  EXPECT_EQ(t, 86400u);
  EXPECT_TRUE(parse_duration("1w2d3h4m5s", &t));
  EXPECT_EQ(t, 604800u + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  EXPECT_TRUE(parse_duration("0", &t));
  EXPECT_EQ(t, 0u);
  EXPECT_FALSE(parse_duration("", &t));
  EXPECT_FALSE(parse_duration("h", &t));
  EXPECT_FALSE(parse_duration("5y", &t));
  EXPECT_FALSE(parse_duration("-5", &t));
  EXPECT_FALSE(parse_duration("10000w", &t));  // above 2^32-1 s
}

TEST(Exports, EveryErrorNamesFileLineAndKey) {
  struct Case {
    const char* line;
    const char* key;
  };
  const Case cases[] = {
      {"1.2.3.4/33 /", "address"},
      {"1.2.3 /", "address"},
      {"256.1.1.1 /", "address"},
      {"1.2.3.4/255.0.255.0 /", "address"},  // not contiguous
      {"1.2.3.9-1.2.3.1 /", "address"},
      {"host.example /", "address"},
      {"*", "directory"},
      {"* data", "directory"},
      {"* /a/../b", "directory"},
      {"* / rw extra", "options"},
      {"* / bogus", "bogus"},
      {"* / ro=1", "ro"},
      {"* / alldirs=yes", "alldirs"},
      {"* / maproot", "maproot"},
      {"* / maproot=no_such_user_xyz", "maproot"},
      {"* / maproot=0:no_such_group_xyz", "maproot"},
      {"* / mapall=", "mapall"},
      {"* / password=", "password"},
      {"* / md5pass=abc", "md5pass"},
      {"* / md5pass=zz5e2294ecd0e0f08eab7690d2a6ee69", "md5pass"},
      {"* / mingoal=0", "mingoal"},
      {"* / maxgoal=10", "maxgoal"},
      {"* / maxgoal=x", "maxgoal"},
      {"* / mingoal=5,maxgoal=2", "mingoal"},
      {"* / mintrashtime=1y", "mintrashtime"},
      {"* / maxtrashtime=", "maxtrashtime"},
      {"* / mintrashtime=2d,maxtrashtime=1d", "mintrashtime"},
      {"* / minversion=1.x", "minversion"},
      {"* / minversion=1.2.3.4", "minversion"},
      {"* / disable=chown:fly", "disable"},
      {"* / disable=", "disable"},
  };
  for (const Case& c : cases) {
    std::string err = parse_err(std::string("# header\n") + c.line + "\n");
    EXPECT_EQ(err.rfind("mfsexports.cfg:2: " + std::string(c.key) + ": ", 0), 0u) << c.line << " -> " << err;
  }
  auto missing = Exports::load("/nonexistent/mfsexports.cfg");
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.status().message(), "/nonexistent/mfsexports.cfg: cannot open the exports file");
}

TEST(Exports, DirectoriesAndAlldirs) {
  Exports e = parse_ok("* /data rw\n* /pub ro,alldirs\n* . rw\n");
  uint32_t a = ip(10, 0, 0, 1);
  EXPECT_EQ(e.candidates(a, "/data", false, 0).size(), 1u);
  EXPECT_TRUE(e.candidates(a, "/data/sub", false, 0).empty());  // no alldirs
  EXPECT_TRUE(e.candidates(a, "/", false, 0).empty());
  EXPECT_EQ(e.candidates(a, "/pub/x/y", false, 0).size(), 1u);
  EXPECT_TRUE(e.candidates(a, "/public", false, 0).empty());  // a prefix, not a parent
  auto meta = e.candidates(a, "/", true, 0);
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_TRUE(meta[0]->meta());
  EXPECT_TRUE(parse_ok("* / rw,alldirs\n").candidates(a, "/", true, 0).empty());  // meta only from '.'
  EXPECT_EQ(parse_ok("* / alldirs\n").candidates(a, "/any/where", false, 0).size(), 1u);
  EXPECT_EQ(normalize_subdir("//a/./b//"), "/a/b");
  EXPECT_EQ(normalize_subdir(""), "/");
  EXPECT_EQ(normalize_subdir("a"), "/a");
  EXPECT_FALSE(normalize_subdir("/a/../.."));
}

TEST(Exports, MostPermissiveRuleWins) {
  Exports e = parse_ok(
      "*            /     ro\n"                  // 1
      "10.0.0.0/8   /     rw\n"                  // 2: rw over ro
      "10.0.0.0/8   /     rw,maproot=0\n"        // 3: root not squashed
      "10.1.0.0/16  /     rw,maproot=0,admin\n"  // 4: admin
      "10.1.1.0/24  /     rw,maproot=0,admin\n"  // 5: ties with 4: earlier line wins
      "*            /a    rw,alldirs\n"          // 6
      "*            /a/b  rw,alldirs\n");        // 7: longer directory
  auto best = [&](uint32_t addr, const char* dir) {
    const ExportRule* r = e.choose(addr, dir, false, 0, kNoPassword);
    return r ? r->line : 0;
  };
  EXPECT_EQ(best(ip(192, 168, 0, 1), "/"), 1);
  EXPECT_EQ(best(ip(10, 2, 0, 1), "/"), 3);
  EXPECT_EQ(best(ip(10, 1, 2, 1), "/"), 4);
  EXPECT_EQ(best(ip(10, 1, 1, 1), "/"), 4);
  EXPECT_EQ(best(ip(192, 168, 0, 1), "/a/b/c"), 7);
  EXPECT_EQ(best(ip(192, 168, 0, 1), "/a/x"), 6);
  EXPECT_EQ(best(ip(192, 168, 0, 1), "/x"), 0);
  auto all = e.candidates(ip(10, 1, 1, 1), "/", false, 0);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0]->line, 4);
  EXPECT_EQ(all[1]->line, 5);
  EXPECT_EQ(all[2]->line, 3);
  EXPECT_EQ(all[3]->line, 2);
  EXPECT_EQ(all[4]->line, 1);
}

TEST(Exports, PasswordsAndVersions) {
  Exports e = parse_ok(
      "* / ro\n"
      "* / rw,password=good\n"
      "* / rw,maproot=0,minversion=2.0.0\n");
  uint32_t a = ip(1, 2, 3, 4);
  // without the password the rw rule does not apply
  EXPECT_EQ(e.choose(a, "/", false, 0x010000, kNoPassword)->line, 1);
  // with it, it does
  auto proved = [](const ExportRule& r) { return r.password_md5 == auth::md5("good"); };
  EXPECT_EQ(e.choose(a, "/", false, 0x010000, proved)->line, 2);
  // a new enough client gets the best rule
  EXPECT_EQ(e.choose(a, "/", false, 0x020000, proved)->line, 3);
  EXPECT_EQ(e.candidates(a, "/", false, 0x010000).size(), 2u);
  // the only rule has a password: nothing without it
  Exports p = parse_ok("* / rw,password=good\n");
  EXPECT_EQ(p.choose(a, "/", false, 0, kNoPassword), nullptr);
  EXPECT_NE(p.choose(a, "/", false, 0, proved), nullptr);
}

TEST(Exports, IgnoregidGivesGroupBitsToEveryNonOwner) {
  Node n;
  n.type = msg::kFile;
  n.mode = 0640;
  n.uid = 10;
  n.gid = 20;
  msg::Cred stranger{30, 30, {}};
  EXPECT_FALSE(may(n, stranger, kR));
  EXPECT_TRUE(may(n, stranger, kR, nullptr, /*ignoregid=*/true));
  EXPECT_FALSE(may(n, stranger, kW, nullptr, true));
  msg::Cred owner{10, 99, {}};
  n.mode = 0060;  // the owner keeps the owner bits, even with ignoregid
  EXPECT_FALSE(may(n, owner, kR, nullptr, true));
}

TEST(Auth, KnownVectors) {
  EXPECT_EQ(auth::to_hex(auth::md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(auth::to_hex(auth::md5("secret")), "5ebe2294ecd0e0f08eab7690d2a6ee69");
  // RFC 4231, test case 2
  EXPECT_EQ(auth::to_hex(auth::response("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(auth::from_hex("5EBE2294ECD0E0F08EAB7690D2A6EE69"), auth::md5("secret"));
  EXPECT_FALSE(auth::from_hex("5ebe"));
}

TEST(Auth, ChallengeResponse) {
  std::string n1 = auth::nonce(), n2 = auth::nonce();
  EXPECT_EQ(n1.size(), auth::kNonceSize);
  EXPECT_NE(n1, n2);
  std::string key = auth::md5("good");
  std::string digest = auth::response(key, n1);
  EXPECT_TRUE(auth::verify(key, n1, digest));
  EXPECT_FALSE(auth::verify(key, n2, digest));                // replay under a new nonce
  EXPECT_FALSE(auth::verify(auth::md5("bad"), n1, digest));   // wrong password
  EXPECT_FALSE(auth::verify(key, n1, digest.substr(0, 31)));  // truncated
  EXPECT_FALSE(auth::verify(key, n1, ""));
}

}  // namespace
}  // namespace antler::master

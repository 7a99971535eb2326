// POSIX ACLs: xattr encoding and validation, text form, permission
// evaluation, chmod, inheritance on create, and the Fs operations.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "daemons/master/fs/acl.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/fs/perm.h"

namespace antler::master {
namespace {

constexpr int64_t T = 1700000000LL * 1000000000LL;

Acl text(const char* s) {
  auto a = acl_from_text(s);
  EXPECT_TRUE(a) << s;
  return a ? *a : Acl{};
}

// Builds a Linux ACL xattr from (tag, perm, id) triples.
std::string xattr(std::initializer_list<std::array<uint32_t, 3>> entries) {
  std::string out("\x02\0\0\0", 4);
  for (const auto& e : entries) {
    out += static_cast<char>(e[0] & 0xff);
    out += static_cast<char>(e[0] >> 8);
    out += static_cast<char>(e[1]);
    out += '\0';
    for (int i = 0; i < 4; i++) out += static_cast<char>((e[2] >> (8 * i)) & 0xff);
  }
  return out;
}
constexpr uint32_t U = 0xffffffffu;

TEST(Acl, XattrRoundTripAndText) {
  std::string x = xattr({{1, 6, U}, {2, 7, 1000}, {2, 4, 1001}, {4, 4, U}, {8, 6, 100}, {0x10, 6, U}, {0x20, 0, U}});
  auto a = acl_from_xattr(x);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, 6);
  EXPECT_EQ(a->group, 4);
  EXPECT_EQ(a->mask, 6);
  EXPECT_EQ(a->other, 0);
  ASSERT_EQ(a->named.size(), 3u);
  EXPECT_TRUE(a->extended());
  EXPECT_EQ(acl_to_xattr(*a), x);
  EXPECT_EQ(acl_to_text(*a), "u::rw-/u:1000:rwx/u:1001:r--/g::r--/g:100:rw-/m::rw-/o::---");
  EXPECT_EQ(acl_from_text(acl_to_text(*a)), a);
  EXPECT_EQ(acl_mode_bits(*a), 0660);
  Acl minimal = text("u::rwx/g::r-x/o::r--");
  EXPECT_FALSE(minimal.extended());
  EXPECT_EQ(acl_mode_bits(minimal), 0754);
}

TEST(Acl, InvalidAclsAreRefused) {
  EXPECT_FALSE(acl_from_xattr(""));
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {4, 4, U}, {0x20, 0, U}}).substr(0, 27)));  // torn entry
  std::string v1 = xattr({{1, 6, U}, {4, 4, U}, {0x20, 0, U}});
  v1[0] = 1;
  EXPECT_FALSE(acl_from_xattr(v1));                                                      // version
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {4, 4, U}})));                           // no other
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {2, 7, 5}, {4, 4, U}, {0x20, 0, U}})));  // named, no mask
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {2, 7, 5}, {2, 7, 5}, {4, 4, U}, {0x10, 7, U}, {0x20, 0, U}})));
  EXPECT_FALSE(acl_from_xattr(xattr({{4, 4, U}, {1, 6, U}, {0x20, 0, U}})));                // out of order
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {1, 6, U}, {4, 4, U}, {0x20, 0, U}})));     // two owners
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 8, U}, {4, 4, U}, {0x20, 0, U}})));                // bad perm
  EXPECT_FALSE(acl_from_xattr(xattr({{1, 6, U}, {4, 4, U}, {0x40, 0, U}, {0x20, 0, U}})));  // bad tag
  EXPECT_FALSE(acl_from_text("u::rwx/g::r-x"));
  EXPECT_FALSE(acl_from_text("u::rwz/g::r-x/o::---"));
  EXPECT_FALSE(acl_from_text("x::rwx/g::r-x/o::---"));
}

TEST(Acl, PermissionEvaluation) {
  // owner 10:20; user 11 named rwx; group 30 named r-x; mask r-x
  Acl a = text("u::rw-/u:11:rwx/g::r--/g:30:r-x/m::r-x/o::---");
  msg::Cred owner{10, 10, {}}, named{11, 99, {}}, grp{12, 20, {}}, named_grp{13, 99, {30}}, other{14, 99, {}};
  EXPECT_TRUE(acl_permits(a, 10, 20, owner, kR | kW));
  EXPECT_FALSE(acl_permits(a, 10, 20, owner, kX));
  EXPECT_TRUE(acl_permits(a, 10, 20, named, kR | kX));
  EXPECT_FALSE(acl_permits(a, 10, 20, named, kW));  // masked away
  EXPECT_TRUE(acl_permits(a, 10, 20, grp, kR));
  EXPECT_FALSE(acl_permits(a, 10, 20, grp, kX));
  EXPECT_TRUE(acl_permits(a, 10, 20, named_grp, kR | kX));
  EXPECT_FALSE(acl_permits(a, 10, 20, other, kR));
  // a matching group entry without the bits denies, even if other has them
  Acl b = text("u::rw-/g::---/m::rwx/o::r--");
  EXPECT_FALSE(acl_permits(b, 10, 20, grp, kR));
  EXPECT_TRUE(acl_permits(b, 10, 20, other, kR));
  // through may(): root and mode fallback
  Node n;
  n.uid = 10;
  n.gid = 20;
  n.mode = 0650;
  EXPECT_TRUE(may(n, named, kR | kX, &a));
  EXPECT_FALSE(may(n, named, kR));  // without the ACL: other bits
  EXPECT_TRUE(may(n, msg::Cred{0, 0, {}}, kR | kW, &a));
  // eattr noowner: everyone is the owner, under an ACL too
  n.eattr = msg::kEattrNoOwner;
  EXPECT_TRUE(may(n, other, kR | kW, &a));
  EXPECT_FALSE(may(n, other, kX, &a));
}

TEST(Acl, CreateModeAndChmod) {
  Acl d = text("u::rwx/u:11:rwx/g::r-x/m::rwx/o::r-x");
  EXPECT_EQ(acl_create_mode(d, 0666), 0666 & 0775);
  Acl d2 = text("u::rwx/g::r-x/m::r--/o::---");
  EXPECT_EQ(acl_create_mode(d2, 02777), 02740);
  Acl a = d;
  acl_chmod(a, 0640);
  EXPECT_EQ(a.user, 6);
  EXPECT_EQ(a.mask, 4);
  EXPECT_EQ(a.group, 5);  // the owning group entry stays: the mask moved
  EXPECT_EQ(a.other, 0);
  Acl m = text("u::rwx/g::rwx/o::rwx");
  acl_chmod(m, 0750);
  EXPECT_EQ(m.group, 5);
}

TEST(Acl, XattrNamespaces) {
  EXPECT_EQ(xattr_ns("user.a"), XattrNs::kUser);
  EXPECT_EQ(xattr_ns("user."), XattrNs::kUnsupported);
  EXPECT_EQ(xattr_ns("trusted.x"), XattrNs::kTrusted);
  EXPECT_EQ(xattr_ns("security.selinux"), XattrNs::kSecurity);
  EXPECT_EQ(xattr_ns("system.posix_acl_access"), XattrNs::kAclAccess);
  EXPECT_EQ(xattr_ns("system.posix_acl_default"), XattrNs::kAclDefault);
  EXPECT_EQ(xattr_ns("system.other"), XattrNs::kUnsupported);
  EXPECT_EQ(xattr_ns("os2.x"), XattrNs::kUnsupported);
}

Fs fresh() {
  Fs fs;
  fs.init_empty(7, T, 1, 0);
  return fs;
}

TEST(AclFs, SetAccessAclChmodAndRemove) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "f", msg::kFile, 02644, 10, 20, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "u::rw-/u:11:rwx/g::r--/m::rwx/o::---", 0}, T + 1), St::kOk);
  const Node* n = fs.node(2);
  EXPECT_EQ(n->mode, 02670);  // owner rw, mask rwx, other none; setgid kept
  EXPECT_EQ(fs.attr(*n).flags, msg::kFlagXattr);
  EXPECT_EQ(n->ctime_ns, T + 1);
  // chmod moves the mask, the owning group entry stays
  ASSERT_EQ(fs.apply(OpSetattr{2, msg::kSetMode, 0640, 0, 0, 0, 0}, T), St::kOk);
  EXPECT_EQ(acl_to_text(*fs.access_acl(*n)), "u::rw-/u:11:rwx/g::r--/m::r--/o::---");
  // a minimal ACL only sets the mode
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "u::rwx/g::r-x/o::r--", 1}, T), St::kOk);
  EXPECT_EQ(n->mode, 0754);
  EXPECT_FALSE(fs.access_acl(*n));
  EXPECT_EQ(fs.attr(*n).flags, 0);
  EXPECT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "", 0}, T), St::kNoData);
  EXPECT_EQ(fs.apply(OpSetAcl{2, kAclDefault, "u::rwx/g::r-x/o::r--", 0}, T), St::kAccess);  // not a directory
  EXPECT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "garbage", 0}, T), St::kInval);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "u::rw-/u:11:r--/g::r--/m::r--/o::---", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "", 0}, T), St::kOk);
  EXPECT_FALSE(fs.access_acl(*n));
  EXPECT_EQ(n->mode, 0640);  // removing the ACL keeps the mode
}

TEST(AclFs, DefaultAclIsInherited) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclDefault, "u::rwx/u:11:rwx/g::r-x/m::rwx/o::r-x", 0}, T), St::kOk);
  const Acl* d = fs.default_acl(*fs.node(2));
  ASSERT_TRUE(d);
  // the handler cuts the mode: a file asked for 0666 gets 0664
  uint16_t mode = acl_create_mode(*d, 0666);
  ASSERT_EQ(fs.apply(OpCreate{2, "f", msg::kFile, mode, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "sub", msg::kDir, acl_create_mode(*d, 0777), 0, 0, 0, 4}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSymlink{2, "l", "f", 0, 0, 5}, T), St::kOk);
  EXPECT_EQ(acl_to_text(*fs.access_acl(*fs.node(3))), "u::rw-/u:11:rwx/g::r-x/m::rw-/o::r--");
  EXPECT_FALSE(fs.default_acl(*fs.node(3)));
  EXPECT_EQ(acl_to_text(*fs.access_acl(*fs.node(4))), "u::rwx/u:11:rwx/g::r-x/m::rwx/o::r-x");
  ASSERT_TRUE(fs.default_acl(*fs.node(4)));
  EXPECT_EQ(*fs.default_acl(*fs.node(4)), *d);
  EXPECT_FALSE(fs.node(5)->has_extra);
  // a minimal default ACL gives modes only
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclDefault, "u::rwx/g::r-x/o::---", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "g", msg::kFile, acl_create_mode(*fs.default_acl(*fs.node(2)), 0666), 0, 0, 0, 6}, T),
            St::kOk);
  EXPECT_EQ(fs.node(6)->mode, 0640);
  EXPECT_FALSE(fs.node(6)->has_extra);
}

TEST(AclFs, XattrsCreateReplaceRemoveAndFree) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "f", msg::kFile, 0644, 0, 0, 0, 2}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpSetXattr{2, "user.a", "1", msg::kXattrReplace}, T), St::kNoData);
  ASSERT_EQ(fs.apply(OpSetXattr{2, "user.a", std::string("b\0i,n(", 6), msg::kXattrCreate}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpSetXattr{2, "user.a", "1", msg::kXattrCreate}, T), St::kExist);
  EXPECT_EQ(fs.apply(OpSetXattr{2, "bogus.a", "1", 0}, T), St::kNotSup);
  EXPECT_EQ(fs.apply(OpSetXattr{2, "user." + std::string(251, 'n'), "1", 0}, T), St::kRange);
  EXPECT_EQ(fs.apply(OpSetXattr{2, "user.big", std::string(65537, 'v'), 0}, T), St::kArgTooBig);
  ASSERT_EQ(fs.apply(OpSetXattr{2, "user.big", std::string(65536, 'v'), 0}, T), St::kOk);
  EXPECT_EQ(fs.extra_of(2)->xattrs.at("user.a"), std::string("b\0i,n(", 6));
  ASSERT_EQ(fs.apply(OpRmXattr{2, "user.a"}, T), St::kOk);
  EXPECT_EQ(fs.apply(OpRmXattr{2, "user.a"}, T), St::kNoData);
  ASSERT_EQ(fs.apply(OpRmXattr{2, "user.big"}, T), St::kOk);
  EXPECT_FALSE(fs.node(2)->has_extra);
  EXPECT_EQ(fs.extra_of(2), nullptr);
  // freed with the inode
  ASSERT_EQ(fs.apply(OpSetXattr{2, "trusted.t", "x", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpUnlink{1, "f"}, T), St::kOk);
  EXPECT_EQ(fs.extra_of(2), nullptr);
}

TEST(AclFs, SnapshotCopiesAndImageKeepsThem) {
  Fs fs = fresh();
  ASSERT_EQ(fs.apply(OpCreate{1, "d", msg::kDir, 0755, 0, 0, 0, 2}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclDefault, "u::rwx/u:11:rwx/g::r-x/m::rwx/o::r-x", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetAcl{2, kAclAccess, "u::rwx/g::r-x/g:30:rwx/m::rwx/o::---", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpCreate{2, "f", msg::kFile, 0664, 0, 0, 0, 3}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetXattr{3, "user.v", std::string("\0\xff\n", 3), 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSetXattr{3, "security.s", "", 0}, T), St::kOk);
  ASSERT_EQ(fs.apply(OpSnapshot{2, 1, "copy", 10, 0, 0, 0, 0}, T), St::kOk);
  uint32_t copy = fs.child(1, "copy"), copy_f = fs.child(copy, "f");
  ASSERT_TRUE(copy && copy_f);
  EXPECT_EQ(*fs.default_acl(*fs.node(copy)), *fs.default_acl(*fs.node(2)));
  EXPECT_EQ(fs.access_acl(*fs.node(copy)), fs.access_acl(*fs.node(2)));
  EXPECT_EQ(fs.extra_of(copy_f)->xattrs, fs.extra_of(3)->xattrs);
  EXPECT_EQ(fs.access_acl(*fs.node(copy_f)), fs.access_acl(*fs.node(3)));
  // the copies are independent
  ASSERT_EQ(fs.apply(OpRmXattr{copy_f, "user.v"}, T), St::kOk);
  EXPECT_EQ(fs.extra_of(3)->xattrs.count("user.v"), 1u);
  // and the image keeps all of it
  std::string path = ::testing::TempDir() + "acl_image_" + std::to_string(::getpid());
  ASSERT_EQ(fs.save_image(path).to_string(), "ok");
  Fs loaded;
  ASSERT_EQ(loaded.load_image(path).to_string(), "ok");
  EXPECT_EQ(loaded.dump(), fs.dump());
  EXPECT_EQ(loaded.attr(*loaded.node(3)).flags, msg::kFlagXattr);
  EXPECT_EQ(loaded.attr(*loaded.node(1)).flags, 0);
  std::remove(path.c_str());
  std::remove((path + ".back").c_str());
}

}  // namespace
}  // namespace antler::master

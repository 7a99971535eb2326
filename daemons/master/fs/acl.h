// POSIX ACLs (system.posix_acl_access, system.posix_acl_default) and the
// namespaces of extended attribute names.
//
// An ACL is kept parsed, in a compact form: the owner, owning-group and
// other permissions, the mask (kNoMask when absent) and the named user and
// group entries. For the access ACL of an inode the owner, mask and other
// permissions live in the inode's mode bits (the mode's group bits are the
// mask, as on Linux), so chmod changes the mask; see Fs::access_acl().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/msg/base.h"
#include "common/status.h"

namespace antler::master {

// Namespace of an extended attribute name.
enum class XattrNs { kUser, kTrusted, kSecurity, kAclAccess, kAclDefault, kUnsupported };
XattrNs xattr_ns(std::string_view name);

inline constexpr const char* kAclAccessName = "system.posix_acl_access";
inline constexpr const char* kAclDefaultName = "system.posix_acl_default";

enum AclKind : uint8_t { kAclAccess = 0, kAclDefault = 1 };

struct AclEntry {
  uint8_t tag = 0;   // kAclUser or kAclGroup (named entries only)
  uint8_t perm = 0;  // rwx bits (4, 2, 1)
  uint32_t id = 0;   // uid or gid
  bool operator==(const AclEntry&) const = default;
};
enum AclTag : uint8_t { kAclUser = 1, kAclGroup = 2 };

struct Acl {
  static constexpr uint8_t kNoMask = 0xff;
  uint8_t user = 0;   // ACL_USER_OBJ
  uint8_t group = 0;  // ACL_GROUP_OBJ
  uint8_t other = 0;  // ACL_OTHER
  uint8_t mask = kNoMask;
  std::vector<AclEntry> named;  // named users by uid, then named groups by gid
  // False iff the ACL says no more than mode bits do (3 entries).
  bool extended() const { return mask != kNoMask || !named.empty(); }
  bool operator==(const Acl&) const = default;
};

// Linux's xattr encoding: u32 version (2), then per entry u16 tag, u16 perm,
// u32 id, little-endian. Parsing enforces the rules of posix_acl_valid():
// exactly one owner, owning-group and other entry, a mask when there are
// named entries, no duplicate ids. nullopt if malformed or invalid.
std::optional<Acl> acl_from_xattr(std::string_view value);
std::string acl_to_xattr(const Acl& a);

// Text form used in changelog lines and dumps, e.g.
// "u::rw-/u:1000:r--/g::r--/m::r--/o::---" (entries in xattr order).
std::string acl_to_text(const Acl& a);
std::optional<Acl> acl_from_text(std::string_view text);

// The mode permission bits an access ACL stands for: owner, mask (or the
// owning group without a mask), other.
uint16_t acl_mode_bits(const Acl& a);

// True iff uid/groups may access for every bit of want (4/2/1) under a
// (complete: owner, mask and other set) owned by owner:group, following
// posix_acl_permission(). Root is not special here.
bool acl_permits(const Acl& a, uint32_t owner, uint32_t group, const msg::Cred& c, int want);

// A new inode created with `mode` (permission and special bits, umask not
// applied) under a directory with default ACL d: the mode it gets
// (posix_acl_create: owner, mask-or-group and other bits cut to d's).
uint16_t acl_create_mode(const Acl& d, uint16_t mode);
// chmod for an ACL held in full (e.g. a materialised access ACL): the owner,
// mask (or owning group) and other entries take the mode's bits.
void acl_chmod(Acl& a, uint16_t mode);

}  // namespace antler::master

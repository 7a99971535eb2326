#include "daemons/master/fs/acl.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace antler::master {

namespace {

// Linux ACL xattr constants (include/uapi/linux/posix_acl*.h).
constexpr uint32_t kXattrVersion = 2;
constexpr uint16_t kTagUserObj = 0x01, kTagUser = 0x02, kTagGroupObj = 0x04, kTagGroup = 0x08, kTagMask = 0x10,
                   kTagOther = 0x20;
constexpr uint32_t kUndefinedId = 0xffffffffu;

bool starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}
void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; i++) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t get(std::string_view s, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; i++) v |= uint32_t(static_cast<unsigned char>(s[at + i])) << (8 * i);
  return v;
}

void put_entry(std::string& out, uint16_t tag, uint8_t perm, uint32_t id) {
  put16(out, tag);
  put16(out, perm);
  put32(out, id);
}

std::string rwx(uint8_t p) {
  std::string s = "---";
  if (p & 4) s[0] = 'r';
  if (p & 2) s[1] = 'w';
  if (p & 1) s[2] = 'x';
  return s;
}

std::optional<uint8_t> parse_rwx(std::string_view s) {
  if (s.size() != 3) return std::nullopt;
  static const char kLetters[] = "rwx";
  uint8_t p = 0;
  for (int i = 0; i < 3; i++) {
    if (s[i] == kLetters[i]) p |= static_cast<uint8_t>(4 >> i);
    else if (s[i] != '-') return std::nullopt;
  }
  return p;
}

// Named entries in the order posix_acl_valid() wants: users by uid, then
// groups by gid, no duplicates.
bool named_ordered(const std::vector<AclEntry>& v) {
  for (size_t i = 1; i < v.size(); i++) {
    const AclEntry &a = v[i - 1], &b = v[i];
    if (a.tag > b.tag || (a.tag == b.tag && a.id >= b.id)) return false;
  }
  return true;
}

}  // namespace

XattrNs xattr_ns(std::string_view name) {
  if (starts(name, "user.") && name.size() > 5) return XattrNs::kUser;
  if (starts(name, "trusted.") && name.size() > 8) return XattrNs::kTrusted;
  if (starts(name, "security.") && name.size() > 9) return XattrNs::kSecurity;
  if (name == kAclAccessName) return XattrNs::kAclAccess;
  if (name == kAclDefaultName) return XattrNs::kAclDefault;
  return XattrNs::kUnsupported;
}

std::optional<Acl> acl_from_xattr(std::string_view v) {
  if (v.size() < 4 || (v.size() - 4) % 8 != 0 || get(v, 0, 4) != kXattrVersion) return std::nullopt;
  Acl a;
  // Linux requires the entries in tag order (USER_OBJ, USER..., GROUP_OBJ,
  // GROUP..., MASK, OTHER), ids increasing within USER and GROUP.
  int state = 0;  // highest tag seen, as an index into the order above
  bool seen_user = false, seen_group = false, seen_other = false;
  for (size_t at = 4; at < v.size(); at += 8) {
    uint16_t tag = static_cast<uint16_t>(get(v, at, 2));
    uint16_t perm = static_cast<uint16_t>(get(v, at + 2, 2));
    uint32_t id = get(v, at + 4, 4);
    if (perm & ~7u) return std::nullopt;
    uint8_t p = static_cast<uint8_t>(perm);
    int order;
    switch (tag) {
      case kTagUserObj: order = 0; break;
      case kTagUser: order = 1; break;
      case kTagGroupObj: order = 2; break;
      case kTagGroup: order = 3; break;
      case kTagMask: order = 4; break;
      case kTagOther: order = 5; break;
      default: return std::nullopt;
    }
    bool repeatable = tag == kTagUser || tag == kTagGroup;
    if (order < state || (order == state && !repeatable && at > 4)) return std::nullopt;
    state = order;
    switch (tag) {
      case kTagUserObj:
        a.user = p;
        seen_user = true;
        break;
      case kTagGroupObj:
        a.group = p;
        seen_group = true;
        break;
      case kTagOther:
        a.other = p;
        seen_other = true;
        break;
      case kTagMask: a.mask = p; break;
      default:
        if (id == kUndefinedId) return std::nullopt;
        a.named.push_back({tag == kTagUser ? kAclUser : kAclGroup, p, id});
    }
  }
  if (!seen_user || !seen_group || !seen_other) return std::nullopt;
  if (!a.named.empty() && a.mask == Acl::kNoMask) return std::nullopt;
  if (!named_ordered(a.named)) return std::nullopt;
  return a;
}

std::string acl_to_xattr(const Acl& a) {
  std::string out;
  out.reserve(4 + 8 * (4 + a.named.size()));
  put32(out, kXattrVersion);
  put_entry(out, kTagUserObj, a.user, kUndefinedId);
  for (const AclEntry& e : a.named)
    if (e.tag == kAclUser) put_entry(out, kTagUser, e.perm, e.id);
  put_entry(out, kTagGroupObj, a.group, kUndefinedId);
  for (const AclEntry& e : a.named)
    if (e.tag == kAclGroup) put_entry(out, kTagGroup, e.perm, e.id);
  if (a.mask != Acl::kNoMask) put_entry(out, kTagMask, a.mask, kUndefinedId);
  put_entry(out, kTagOther, a.other, kUndefinedId);
  return out;
}

std::string acl_to_text(const Acl& a) {
  std::string out = "u::" + rwx(a.user);
  for (const AclEntry& e : a.named)
    if (e.tag == kAclUser) out += "/u:" + std::to_string(e.id) + ":" + rwx(e.perm);
  out += "/g::" + rwx(a.group);
  for (const AclEntry& e : a.named)
    if (e.tag == kAclGroup) out += "/g:" + std::to_string(e.id) + ":" + rwx(e.perm);
  if (a.mask != Acl::kNoMask) out += "/m::" + rwx(a.mask);
  out += "/o::" + rwx(a.other);
  return out;
}

std::optional<Acl> acl_from_text(std::string_view text) {
  // Rebuilt through the xattr form so that both share one set of rules.
  std::string x;
  put32(x, kXattrVersion);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('/', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(pos, end - pos);
    pos = end + 1;
    size_t c1 = item.find(':'), c2 = item.rfind(':');
    if (c1 == std::string_view::npos || c1 == c2) return std::nullopt;
    std::string_view kind = item.substr(0, c1), id_text = item.substr(c1 + 1, c2 - c1 - 1);
    auto perm = parse_rwx(item.substr(c2 + 1));
    if (!perm) return std::nullopt;
    uint32_t id = kUndefinedId;
    if (!id_text.empty()) {
      auto r = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
      if (r.ec != std::errc() || r.ptr != id_text.data() + id_text.size()) return std::nullopt;
    }
    uint16_t tag;
    if (kind == "u") tag = id_text.empty() ? kTagUserObj : kTagUser;
    else if (kind == "g") tag = id_text.empty() ? kTagGroupObj : kTagGroup;
    else if (kind == "m" && id_text.empty()) tag = kTagMask;
    else if (kind == "o" && id_text.empty()) tag = kTagOther;
    else return std::nullopt;
    put_entry(x, tag, *perm, id);
  }
  return acl_from_xattr(x);
}

uint16_t acl_mode_bits(const Acl& a) {
  uint8_t g = a.mask != Acl::kNoMask ? a.mask : a.group;
  return static_cast<uint16_t>((a.user << 6) | (g << 3) | a.other);
}

bool acl_permits(const Acl& a, uint32_t owner, uint32_t group, const msg::Cred& c, int want) {
  auto ok = [&](uint8_t perm) { return (perm & want) == want; };
  uint8_t mask = a.mask == Acl::kNoMask ? 7 : a.mask;
  if (c.uid == owner) return ok(a.user);
  for (const AclEntry& e : a.named)
    if (e.tag == kAclUser && e.id == c.uid) return ok(e.perm & mask);
  auto member = [&](uint32_t gid) {
    return c.gid == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end();
  };
  bool found = false;
  if (member(group)) {
    if (ok(a.group & mask)) return true;
    found = true;
  }
  for (const AclEntry& e : a.named) {
    if (e.tag != kAclGroup || !member(e.id)) continue;
    if (ok(e.perm & mask)) return true;
    found = true;
  }
  if (found) return false;
  return ok(a.other);
}

uint16_t acl_create_mode(const Acl& d, uint16_t mode) {
  uint8_t g = d.mask != Acl::kNoMask ? d.mask : d.group;
  uint16_t keep = static_cast<uint16_t>((d.user << 6) | (g << 3) | d.other);
  return static_cast<uint16_t>(mode & (07000 | keep));
}

void acl_chmod(Acl& a, uint16_t mode) {
  a.user = static_cast<uint8_t>((mode >> 6) & 7);
  if (a.mask != Acl::kNoMask) a.mask = static_cast<uint8_t>((mode >> 3) & 7);
  else a.group = static_cast<uint8_t>((mode >> 3) & 7);
  a.other = static_cast<uint8_t>(mode & 7);
}

}  // namespace antler::master

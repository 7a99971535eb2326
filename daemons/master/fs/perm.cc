#include "daemons/master/fs/perm.h"

#include <algorithm>

namespace antler::master {

bool in_group(const msg::Cred& c, uint32_t gid) {
  return c.gid == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end();
}

bool may(const Node& n, const msg::Cred& c, int mask, const Acl* acl, bool ignoregid) {
  if (c.uid == 0) {
    // root may do anything, except execute a non-directory with no x bit at all
    if ((mask & kX) && n.type != msg::kDir && (n.mode & 0111) == 0) return false;
    return true;
  }
  if (acl) return acl_permits(*acl, (n.eattr & msg::kEattrNoOwner) ? c.uid : n.uid, n.gid, c, mask);
  int bits;
  if (c.uid == n.uid || (n.eattr & msg::kEattrNoOwner)) bits = (n.mode >> 6) & 7;
  else if (ignoregid || in_group(c, n.gid)) bits = (n.mode >> 3) & 7;
  else bits = n.mode & 7;
  return (bits & mask) == mask;
}

bool sticky_allows(const Node& dir, const Node& victim, const msg::Cred& c) {
  if (!(dir.mode & 01000)) return true;
  return c.uid == 0 || c.uid == dir.uid || c.uid == victim.uid;
}

}  // namespace antler::master

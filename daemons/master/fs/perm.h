// POSIX permission rules, applied by the master before it builds an operation.
#pragma once

#include "common/msg/base.h"
#include "daemons/master/fs/fs.h"

namespace antler::master {

enum Access : int { kR = 4, kW = 2, kX = 1 };

bool in_group(const msg::Cred& c, uint32_t gid);
// True iff c may access n for every bit of mask (kR|kW|kX): by n's mode
// bits or, when n has an access ACL, by acl (as Fs::access_acl() gives it).
// ignoregid (an export option): with the mode bits, every user but the
// owner gets the group bits, whatever its groups.
bool may(const Node& n, const msg::Cred& c, int mask, const Acl* acl = nullptr, bool ignoregid = false);
// Sticky-bit rule: may c remove or rename victim out of dir?
bool sticky_allows(const Node& dir, const Node& victim, const msg::Cred& c);

// Extra attributes (msg::EattrBits) that forbid a change, for anyone (EPERM):
// may n lose a name (unlink, rename away, be replaced)?
inline bool eattr_keeps_name(const Node& n) {
  return n.eattr & (msg::kEattrUndeletable | msg::kEattrImmutable | msg::kEattrAppendOnly);
}
// may names be added to (add) or removed from (!add) directory d?
inline bool eattr_locks_dir(const Node& d, bool add) {
  return (d.eattr & msg::kEattrImmutable) || (!add && (d.eattr & msg::kEattrAppendOnly));
}

}  // namespace antler::master

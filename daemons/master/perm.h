// POSIX permission rules, applied by the master before it builds an operation.
#pragma once

#include "common/messages.h"
#include "daemons/master/fs.h"

namespace antler::master {

enum Access : int { kR = 4, kW = 2, kX = 1 };

bool in_group(const msg::Cred& c, uint32_t gid);
// True iff c may access n for every bit of mask (kR|kW|kX): by n's mode
// bits or, when n has an access ACL, by acl (as Fs::access_acl() gives it).
bool may(const Node& n, const msg::Cred& c, int mask, const Acl* acl = nullptr);
// Sticky-bit rule: may c remove or rename victim out of dir?
bool sticky_allows(const Node& dir, const Node& victim, const msg::Cred& c);

}  // namespace antler::master

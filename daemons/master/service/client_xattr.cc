// Extended attributes and POSIX ACLs (ClGetXattr, ClListXattr, ClSetXattr,
// ClRemoveXattr), with the rules of Linux's xattr_permission():
//   user.*      regular files and directories only; read needs r, write w;
//               in a sticky directory only its owner (or root) writes
//   trusted.*   root only (others read nothing and cannot write)
//   security.*  anyone reads, root writes
//   system.posix_acl_access/default  anyone reads, the owner (or root) writes
// Anything else is EOPNOTSUPP.
#include "daemons/master/service/client_ops.h"

namespace antler::master {

namespace {

uint8_t flags_of(const Node& n) { return n.has_extra ? msg::kFlagXattr : 0; }

// The reply for a value (or name list) of length value.size() to a caller
// whose buffer holds size bytes (0: only the length is wanted).
msg::ClXattrReply sized(uint32_t req, const Node& n, std::string value, uint32_t size) {
  msg::ClXattrReply r{req, St::kOk, static_cast<uint32_t>(value.size()), {}, flags_of(n)};
  if (size == 0) return r;
  if (value.size() > size) r.status = St::kRange;
  else r.value = std::move(value);
  return r;
}

// Root, the owner, or anyone for an inode with eattr noowner.
bool owner_or_root(const Node& n, const msg::Cred& c) { return Fs::owns(n, c.uid); }

}  // namespace

void ClientOps::getxattr(const msg::ClGetXattr& m) {
  msg::Cred c = map(m.cred);
  const Node* n = m_.fs_.node(in(m.inode));
  if (!n) return reply(msg::ClXattrReply{m.req, St::kNoEnt, 0, {}, 0});
  auto fail = [&](St st) { reply(msg::ClXattrReply{m.req, st, 0, {}, flags_of(*n)}); };
  if (m.name.empty() || m.name.size() > msg::kXattrNameMax) return fail(St::kRange);
  XattrNs ns = xattr_ns(m.name);
  const Extra* e = n->has_extra ? m_.fs_.extra_of(n->id) : nullptr;
  switch (ns) {
    case XattrNs::kUnsupported: return fail(St::kNotSup);
    case XattrNs::kUser:
      if (n->type != msg::kFile && n->type != msg::kDir) return fail(St::kNoData);
      if (!may(*n, c, kR)) return fail(St::kAccess);
      break;
    case XattrNs::kTrusted:
      if (c.uid != 0) return fail(St::kNoData);
      break;
    case XattrNs::kSecurity: break;
    case XattrNs::kAclAccess: {
      std::optional<Acl> a = m_.fs_.access_acl(*n);
      if (!a) return fail(St::kNoData);
      return reply(sized(m.req, *n, acl_to_xattr(*a), m.size));
    }
    case XattrNs::kAclDefault: {
      const Acl* d = m_.fs_.default_acl(*n);
      if (!d) return fail(St::kNoData);
      return reply(sized(m.req, *n, acl_to_xattr(*d), m.size));
    }
  }
  if (!e) return fail(St::kNoData);
  auto it = e->xattrs.find(m.name);
  if (it == e->xattrs.end()) return fail(St::kNoData);
  reply(sized(m.req, *n, it->second, m.size));
}

void ClientOps::listxattr(const msg::ClListXattr& m) {
  msg::Cred c = map(m.cred);
  const Node* n = m_.fs_.node(in(m.inode));
  if (!n) return reply(msg::ClXattrReply{m.req, St::kNoEnt, 0, {}, 0});
  std::string names;
  if (const Extra* e = n->has_extra ? m_.fs_.extra_of(n->id) : nullptr) {
    for (const auto& [name, value] : e->xattrs) {
      if (xattr_ns(name) == XattrNs::kTrusted && c.uid != 0) continue;
      names += name;
      names += '\0';
    }
    if (e->access) names.append(kAclAccessName).push_back('\0');
    if (e->dflt) names.append(kAclDefaultName).push_back('\0');
  }
  reply(sized(m.req, *n, std::move(names), m.size));
}

St ClientOps::xattr_write_check(const Node& n, const msg::Cred& c, XattrNs ns, const std::string& name) {
  bool acl = ns == XattrNs::kAclAccess || ns == XattrNs::kAclDefault;
  if (St st = writable(acl ? Disable::kSetfacl : Disable::kSetxattr); st != St::kOk) return st;
  if (name.empty() || name.size() > msg::kXattrNameMax) return St::kRange;
  if (name.find('\0') != std::string::npos) return St::kInval;  // listxattr separates names with NUL
  if (n.eattr & (msg::kEattrImmutable | msg::kEattrAppendOnly)) return St::kPerm;
  switch (ns) {
    case XattrNs::kUnsupported: return St::kNotSup;
    case XattrNs::kUser:
      if (n.type != msg::kFile && n.type != msg::kDir) return St::kPerm;
      if (n.type == msg::kDir && (n.mode & 01000) && !owner_or_root(n, c)) return St::kPerm;
      return may(n, c, kW) ? St::kOk : St::kAccess;
    case XattrNs::kTrusted:
    case XattrNs::kSecurity: return c.uid == 0 ? St::kOk : St::kPerm;
    case XattrNs::kAclAccess:
    case XattrNs::kAclDefault:
      if (n.type == msg::kSymlink) return St::kNotSup;
      return owner_or_root(n, c) ? St::kOk : St::kPerm;
  }
  return St::kNotSup;
}

void ClientOps::setxattr(const msg::ClSetXattr& m) {
  msg::Cred c = map(m.cred);
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  if (!n) return status(m.req, St::kNoEnt);
  XattrNs ns = xattr_ns(m.name);
  St st = xattr_write_check(*n, c, ns, m.name);
  if (st != St::kOk) return status(m.req, st);
  if (m.value.size() > msg::kXattrSizeMax) return status(m.req, St::kArgTooBig);
  if (m.flags & ~uint32_t(msg::kXattrCreate | msg::kXattrReplace)) return status(m.req, St::kInval);
  if (ns != XattrNs::kAclAccess && ns != XattrNs::kAclDefault) {
    return status(m.req, m_.commit(OpSetXattr{ino, m.name, m.value, m.flags}));
  }
  uint8_t kind = ns == XattrNs::kAclAccess ? kAclAccess : kAclDefault;
  if (kind == kAclDefault && n->type != msg::kDir) return status(m.req, St::kAccess);
  std::optional<Acl> a = acl_from_xattr(m.value);
  if (!a) return status(m.req, St::kInval);
  bool exists = kind == kAclAccess ? m_.fs_.access_acl(*n).has_value() : m_.fs_.default_acl(*n) != nullptr;
  if ((m.flags & msg::kXattrCreate) && exists) return status(m.req, St::kExist);
  if ((m.flags & msg::kXattrReplace) && !exists) return status(m.req, St::kNoData);
  // Linux drops setgid when the setter is neither in the file's group nor root.
  uint8_t clear_sgid = kind == kAclAccess && c.uid != 0 && !in_group(c, n->gid);
  status(m.req, m_.commit(OpSetAcl{ino, kind, acl_to_text(*a), clear_sgid}));
}

void ClientOps::removexattr(const msg::ClRemoveXattr& m) {
  msg::Cred c = map(m.cred);
  uint32_t ino = in(m.inode);
  const Node* n = m_.fs_.node(ino);
  if (!n) return status(m.req, St::kNoEnt);
  XattrNs ns = xattr_ns(m.name);
  St st = xattr_write_check(*n, c, ns, m.name);
  if (st != St::kOk) return status(m.req, st);
  if (ns == XattrNs::kAclAccess) return status(m.req, m_.commit(OpSetAcl{ino, kAclAccess, "", 0}));
  if (ns == XattrNs::kAclDefault) {
    // As Linux: removing the default ACL of a non-directory succeeds.
    if (n->type != msg::kDir) return status(m.req, St::kOk);
    return status(m.req, m_.commit(OpSetAcl{ino, kAclDefault, "", 0}));
  }
  status(m.req, m_.commit(OpRmXattr{ino, m.name}));
}

}  // namespace antler::master

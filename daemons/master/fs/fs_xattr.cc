// Extended attributes and ACLs: OpSetXattr, OpRmXattr, OpSetAcl, and the
// default-ACL inheritance of new inodes.
#include "daemons/master/fs/fs.h"

namespace antler::master {

const Extra* Fs::extra_of(uint32_t id) const {
  auto it = extra_.find(id);
  return it == extra_.end() ? nullptr : &it->second;
}

std::optional<Acl> Fs::access_acl(const Node& n) const {
  if (!n.has_extra) return std::nullopt;
  const Extra* e = extra_of(n.id);
  if (!e || !e->access) return std::nullopt;
  Acl a = *e->access;
  acl_chmod(a, n.mode);
  return a;
}

const Acl* Fs::default_acl(const Node& n) const {
  if (!n.has_extra) return nullptr;
  const Extra* e = extra_of(n.id);
  return e && e->dflt ? &*e->dflt : nullptr;
}

Extra& Fs::extra(Node& n) {
  n.has_extra = true;
  return extra_[n.id];
}

void Fs::drop_extra_if_empty(Node& n) {
  auto it = extra_.find(n.id);
  if (it != extra_.end() && !it->second.empty()) return;
  if (it != extra_.end()) extra_.erase(it);
  n.has_extra = false;
}

void Fs::inherit_acl(const Node& parent, Node& n) {
  const Acl* d = default_acl(parent);
  if (!d || n.type == msg::kSymlink) return;
  if (d->extended()) extra(n).access = *d;  // owner, mask and other: n's mode, already cut by d
  if (n.type == msg::kDir) extra(n).dflt = *d;
}

namespace {
bool plain_xattr(std::string_view name) {
  XattrNs ns = xattr_ns(name);
  return ns == XattrNs::kUser || ns == XattrNs::kTrusted || ns == XattrNs::kSecurity;
}
}  // namespace

St Fs::apply_op(const OpSetXattr& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (!plain_xattr(o.name)) return St::kNotSup;
  if (o.name.size() > msg::kXattrNameMax) return St::kRange;
  if (o.name.find('\0') != std::string::npos) return St::kInval;
  if (o.value.size() > msg::kXattrSizeMax) return St::kArgTooBig;
  if (o.flags & ~uint32_t(msg::kXattrCreate | msg::kXattrReplace)) return St::kInval;
  const Extra* e = n->has_extra ? extra_of(n->id) : nullptr;
  bool exists = e && e->xattrs.count(o.name);
  if ((o.flags & msg::kXattrCreate) && exists) return St::kExist;
  if ((o.flags & msg::kXattrReplace) && !exists) return St::kNoData;
  extra(*n).xattrs[o.name] = o.value;
  n->ctime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpRmXattr& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (!plain_xattr(o.name)) return St::kNotSup;
  auto it = extra_.find(n->id);
  if (it == extra_.end() || it->second.xattrs.erase(o.name) == 0) return St::kNoData;
  drop_extra_if_empty(*n);
  n->ctime_ns = t;
  return St::kOk;
}

St Fs::apply_op(const OpSetAcl& o, int64_t t) {
  Node* n = mut(o.inode);
  if (!n) return St::kNoEnt;
  if (n->type == msg::kSymlink || o.kind > kAclDefault) return St::kNotSup;
  if (o.kind == kAclDefault && n->type != msg::kDir) return St::kAccess;
  if (o.acl.empty()) {
    auto it = extra_.find(n->id);
    std::optional<Acl>* slot = nullptr;
    if (it != extra_.end()) slot = o.kind == kAclAccess ? &it->second.access : &it->second.dflt;
    if (!slot || !*slot) return St::kNoData;
    slot->reset();
    drop_extra_if_empty(*n);
    n->ctime_ns = t;
    return St::kOk;
  }
  std::optional<Acl> a = acl_from_text(o.acl);
  if (!a) return St::kInval;
  if (o.kind == kAclDefault) {
    extra(*n).dflt = std::move(*a);
  } else {
    uint16_t special = n->mode & 07000;
    if (o.clear_sgid) special &= ~02000;
    n->mode = static_cast<uint16_t>(special | acl_mode_bits(*a));
    if (a->extended()) {
      extra(*n).access = std::move(*a);
    } else if (n->has_extra) {
      extra(*n).access.reset();
      drop_extra_if_empty(*n);
    }
  }
  n->ctime_ns = t;
  return St::kOk;
}

}  // namespace antler::master

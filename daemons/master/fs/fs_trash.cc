// OpUndel: a trash file back to its original path.
#include "daemons/master/fs/fs.h"

namespace antler::master {

St Fs::apply_op(const OpUndel& o, int64_t t) {
  auto ti = trash_.find(o.inode);
  if (ti == trash_.end()) return St::kNoEnt;
  Node& f = nodes_.at(o.inode);
  std::vector<std::string> parts;
  const std::string& path = ti->second.path;
  for (size_t pos = 0; pos <= path.size();) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    parts.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  for (const std::string& p : parts)
    if (p.empty() || p == "." || p == ".." || p.size() > kMaxNameLen) return St::kInval;
  // Check the whole way first: nothing changes unless all of it can.
  uint32_t dir = kRootInode;
  size_t existing = 0;
  for (; existing + 1 < parts.size(); existing++) {
    uint32_t c = child(dir, parts[existing]);
    if (!c) break;
    if (node(c)->type != msg::kDir) return St::kNotDir;
    dir = c;
  }
  if (existing + 1 == parts.size() && child(dir, parts.back())) return St::kExist;
  for (size_t i = existing; i + 1 < parts.size(); i++) {
    uint32_t id = o.first_inode + static_cast<uint32_t>(i - existing);
    if (o.first_inode == 0 || id < o.first_inode || nodes_.count(id)) return St::kInval;
  }
  uint32_t next = o.first_inode;
  for (size_t i = existing; i + 1 < parts.size(); i++) {
    Node& d = add_node(next, msg::kDir, 0755, f.uid, f.gid, nodes_.at(dir), t);
    attach(nodes_.at(dir), parts[i], d, t);
    dir = next++;
  }
  out_of_trash(o.inode);
  attach(nodes_.at(dir), parts.back(), f, t);
  f.ctime_ns = t;
  return St::kOk;
}

}  // namespace antler::master

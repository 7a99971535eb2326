// OpSetAttrib: goal, trash time and eattr of an inode or a whole tree.
#include <algorithm>

#include "daemons/master/fs/fs.h"

namespace antler::master {

namespace {

uint32_t wanted(uint32_t cur, uint32_t v, uint8_t mode) {
  switch (mode) {
    case msg::kSetRaise: return std::max(cur, v);
    case msg::kSetLower: return std::min(cur, v);
    case msg::kSetAddBits: return cur | v;
    case msg::kSetDelBits: return cur & ~v;
    default: return v;
  }
}

}  // namespace

St Fs::apply_op(const OpSetAttrib& o, int64_t t) {
  last_set_ = {};
  Node* top = mut(o.inode);
  if (!top) return St::kNoEnt;
  switch (o.what) {
    case msg::kAttrGoal:
      if (o.value < 1 || o.value > msg::kMaxGoal) return St::kInval;
      break;
    case msg::kAttrTrashtime: break;
    case msg::kAttrEattr:
      if (o.value > 0xff) return St::kInval;
      break;
    default: return St::kInval;
  }
  // Goal and trash time: exact, raise, lower. Eattr: exact, add, remove bits.
  bool bits = o.mode == msg::kSetAddBits || o.mode == msg::kSetDelBits;
  bool order = o.mode == msg::kSetRaise || o.mode == msg::kSetLower;
  if (o.mode > msg::kSetDelBits || (o.what == msg::kAttrEattr ? order : bits)) return St::kInval;
  if (!o.recursive && !owns(*top, o.uid)) return St::kPerm;
  std::vector<uint32_t> todo{o.inode};
  while (!todo.empty()) {
    Node& n = nodes_.at(todo.back());
    todo.pop_back();
    if (o.recursive && n.children) {
      // Reverse name order on the stack: visited in name order.
      for (auto it = n.children->rbegin(); it != n.children->rend(); ++it) todo.push_back(it->second);
    }
    if (!owns(n, o.uid)) {
      last_set_.not_permitted++;
      continue;
    }
    uint32_t cur = attrib(n, o.what), v = wanted(cur, o.value, o.mode);
    if (v == cur) {
      last_set_.not_changed++;
      continue;
    }
    last_set_.changed++;
    n.ctime_ns = t;
    if (o.what == msg::kAttrGoal) {
      Usage before = usage(n);
      n.chunks.for_each([&](uint64_t, uint64_t c) { chunk_regoal(c, n.goal, static_cast<uint8_t>(v)); });
      n.goal = static_cast<uint8_t>(v);
      file_changed(n, before);
    } else if (o.what == msg::kAttrTrashtime) {
      n.trashtime = v;
    } else {
      n.eattr = static_cast<uint8_t>(v);
    }
  }
  return St::kOk;
}

}  // namespace antler::master

// OpRepair: mfsfilerepair's change to one chunk slot of a file.
#include "daemons/master/fs/fs.h"

namespace antler::master {

St Fs::apply_op(const OpRepair& o, int64_t t) {
  Node* f = mut(o.inode);
  if (!f) return St::kNoEnt;
  if (f->type != msg::kFile || f->chunks.at(o.index) == 0) return St::kInval;
  uint64_t id = f->chunks.at(o.index);
  if (o.version == 0) {
    Usage before = usage(*f);  // a hole takes no space: the directories above count less
    f->chunks.set(o.index, 0);
    chunk_unref(id, f->goal);
    file_changed(*f, before);
  } else {
    auto it = chunks_.find(id);
    if (it == chunks_.end()) return St::kNoEnt;
    it->second.version = o.version;
  }
  f->mtime_ns = f->ctime_ns = t;
  return St::kOk;
}

}  // namespace antler::master

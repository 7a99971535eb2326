#include "client/open_files.h"

#include <cassert>

namespace antler::client {

std::shared_ptr<FileState> OpenFiles::open(uint32_t inode) {
  // Finding (or making) the state and counting the handle happen under one
  // hold of mu_, the same hold in which release() erases a state whose
  // count reached zero: an open either counts on the state before that
  // release looks (and keeps it) or comes after it left (and makes another).
  MutexLock l(&mu_);
  Entry& e = files_[inode];
  if (!e.state) e.state = std::make_shared<FileState>(inode);
  e.handles++;
  return e.state;
}

std::shared_ptr<FileState> OpenFiles::find(uint32_t inode) {
  MutexLock l(&mu_);
  auto it = files_.find(inode);
  return it == files_.end() ? nullptr : it->second.state;
}

bool OpenFiles::release(FileState& f) {
  assert(f.dirty.empty() && !f.flushing && !f.closed);
  MutexLock l(&mu_);
  auto it = files_.find(f.inode);
  // f is in the table: a handle counted on it by open() is still there.
  assert(it != files_.end() && it->second.state.get() == &f && it->second.handles > 0);
  if (it == files_.end() || it->second.state.get() != &f) return false;
  if (--it->second.handles > 0) return false;
  f.closed = true;
  files_.erase(it);
  return true;
}

size_t OpenFiles::size() {
  MutexLock l(&mu_);
  return files_.size();
}

int OpenFiles::handles(uint32_t inode) {
  MutexLock l(&mu_);
  auto it = files_.find(inode);
  return it == files_.end() ? 0 : it->second.handles;
}

}  // namespace antler::client

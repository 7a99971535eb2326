#include "daemons/master/sessions/session_table.h"

#include <algorithm>
#include <cstring>

#include "common/auth.h"

namespace antler::master {

Session* SessionTable::find(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

const Session* SessionTable::find(uint64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

Session& SessionTable::create() {
  uint64_t id = 0;
  while (id == 0 || sessions_.count(id)) {
    std::string r = auth::random_bytes(sizeof id);
    std::memcpy(&id, r.data(), sizeof id);
  }
  Session& s = sessions_[id];
  s.id = id;
  s.secret = auth::random_bytes(kSecretSize);
  return s;
}

void SessionTable::open_file(Session& s, uint32_t inode, uint8_t modes) {
  OpenFile& f = s.open[inode];
  if (f.handles++ == 0) open_count_[inode]++;
  f.modes |= modes;
}

bool SessionTable::release_file(Session& s, uint32_t inode) {
  auto it = s.open.find(inode);
  if (it == s.open.end()) return false;
  if (--it->second.handles != 0) return false;
  s.open.erase(it);
  auto c = open_count_.find(inode);
  if (c == open_count_.end() || --c->second != 0) return false;
  open_count_.erase(c);
  return true;
}

void SessionTable::link_added(Session& s) {
  s.links++;
  s.gone_ms = 0;
  s.locks_released = false;
}

void SessionTable::link_closed(Session& s, int64_t now_ms) {
  if (s.links > 0 && --s.links == 0) s.gone_ms = std::max<int64_t>(now_ms, 1);
}

std::vector<uint32_t> SessionTable::erase(uint64_t id) {
  std::vector<uint32_t> closed;
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return closed;
  for (const auto& [inode, f] : it->second.open) {
    auto c = open_count_.find(inode);
    if (c == open_count_.end() || --c->second != 0) continue;
    open_count_.erase(c);
    closed.push_back(inode);
  }
  sessions_.erase(it);
  return closed;
}

}  // namespace antler::master

// The master's client sessions and the files they hold open. In memory only:
// sessions outlive a connection (the client resumes them) but not a master
// restart.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "daemons/master/sessions/session.h"

namespace antler::master {

class SessionTable {
 public:
  Session* find(uint64_t id);
  const Session* find(uint64_t id) const;
  static constexpr size_t kSecretSize = 16;
  // A new session: an unused id (never 0) and a secret, both from the
  // kernel's random source.
  Session& create();
  size_t size() const { return sessions_.size(); }

  template <class F>
  void for_each(F&& f) {
    for (auto& [id, s] : sessions_) f(s);
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [id, s] : sessions_) f(s);
  }

  // Session s opened inode (one more handle) for modes (kR|kW).
  void open_file(Session& s, uint32_t inode, uint8_t modes);
  // The modes session s holds inode open for (0: not open).
  static uint8_t open_modes(const Session& s, uint32_t inode) {
    auto it = s.open.find(inode);
    return it == s.open.end() ? 0 : it->second.modes;
  }
  // Session s closed one handle of inode. True when that was the last handle
  // of any session (the inode is no longer open anywhere).
  bool release_file(Session& s, uint32_t inode);
  // Some session holds inode open (an unlinked file then stays until released).
  bool is_open(uint32_t inode) const { return open_count_.count(inode) != 0; }

  // Ends session id: its open files are released. Returns the inodes that
  // no session holds open any more.
  std::vector<uint32_t> erase(uint64_t id);

  // A connection registered with s / closed (now_ms: when). The session's
  // locks live while any of its connections does.
  static void link_added(Session& s);
  static void link_closed(Session& s, int64_t now_ms);

 private:
  std::unordered_map<uint64_t, Session> sessions_;
  std::unordered_map<uint32_t, uint32_t> open_count_;  // inode -> sessions holding it open
};

}  // namespace antler::master

// The master's client sessions and the files they hold open. In memory only:
// sessions outlive a connection (the client resumes them) but not a master
// restart.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "daemons/master/sessions/session.h"

namespace antler::master {

class SessionTable {
 public:
  Session* find(uint64_t id);
  const Session* find(uint64_t id) const;
  // The session with this id, made (empty, id 0) if there is none.
  Session& get(uint64_t id) { return sessions_[id]; }
  // A random id that no session has (never 0).
  uint64_t new_id() const;
  size_t size() const { return sessions_.size(); }

  template <class F>
  void for_each(F&& f) {
    for (auto& [id, s] : sessions_) f(s);
  }
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [id, s] : sessions_) f(s);
  }

  // Session s opened inode (one more handle).
  void open_file(Session& s, uint32_t inode);
  // Session s closed one handle of inode. True when that was the last handle
  // of any session (the inode is no longer open anywhere).
  bool release_file(Session& s, uint32_t inode);
  // Some session holds inode open (an unlinked file then stays until released).
  bool is_open(uint32_t inode) const { return open_count_.count(inode) != 0; }

  // A connection registered with s / closed (now_ms: when). The session's
  // locks live while any of its connections does.
  static void link_added(Session& s);
  static void link_closed(Session& s, int64_t now_ms);

 private:
  std::unordered_map<uint64_t, Session> sessions_;
  std::unordered_map<uint32_t, uint32_t> open_count_;  // inode -> sessions holding it open
};

}  // namespace antler::master

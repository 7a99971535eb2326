// Commands the master sends to chunkservers (CsCreate, CsDelete,
// CsSetVersion, CsTruncate, CsDuplicate, CsReplicate) and their replies
// (CsOpStatus). Each command gets an op id; its done runs exactly once: with
// the reply, with kTimeout when none comes in time, or with kDisconnected
// when the server is not (or no longer) connected.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>

#include "common/net.h"
#include "common/status.h"
#include "daemons/master/service/loop.h"

namespace antler::master {

// How long a chunkserver has to answer a command.
constexpr int kCsCommandTimeoutMs = 10000;

class CsCommander {
 public:
  using Done = std::function<void(St, uint32_t version)>;
  // Runs fn after ms milliseconds on the loop (Loop::after, or a test clock).
  using After = std::function<void(int ms, std::function<void()> fn)>;
  explicit CsCommander(After after, int timeout_ms = kCsCommandTimeoutMs)
      : after_(std::move(after)), timeout_ms_(timeout_ms) {}
  // Runs fn when the metadata changes made so far may be acted on
  // (SYNC_METALOGGERS: Master::when_synced); unset, at once. A command
  // leaves, and its timeout starts, only then.
  using Gate = std::function<void(std::function<void()> fn)>;
  void set_gate(Gate gate) { gate_ = std::move(gate); }

  // Server cs registered on link.
  void attach(uint32_t cs, LinkPtr link) { links_[cs] = std::move(link); }
  // Link closed: if it is server cs's current link, forgets it and fails the
  // server's pending commands with kDisconnected. False if it was not.
  bool detach(uint32_t cs, const LinkPtr& link);
  bool attached(uint32_t cs) const { return links_.count(cs) != 0; }
  // link is server cs's current link.
  bool is_link_of(uint32_t cs, const LinkPtr& link) const {
    auto l = links_.find(cs);
    return l != links_.end() && l->second == link;
  }

  // One frame to every registered server (no reply).
  void broadcast(const std::string& frame) {
    for (auto& [cs, link] : links_) link->send(frame);
  }
  template <class M>
  void send(uint32_t cs, M m, Done done) {
    const LinkPtr* link = begin(cs, done, &m.op_id);
    if (link) dispatch(*link, m.op_id, net::frame(m));
  }
  // A CsOpStatus from server cs: runs the done of its op. False when the op is
  // unknown (timed out already, or not this server's).
  bool complete(uint32_t cs, uint32_t op, St status, uint32_t version);
  size_t pending() const { return pending_.size(); }

 private:
  // Registers a command to cs (its op id into *op) and returns cs's link; or
  // runs done(kDisconnected) and returns null.
  const LinkPtr* begin(uint32_t cs, Done& done, uint32_t* op);
  // Sends op's frame through the gate, then starts its timeout.
  void dispatch(LinkPtr link, uint32_t op, std::string frame);
  void start_timeout(uint32_t op);

  After after_;
  Gate gate_;
  int timeout_ms_;
  std::unordered_map<uint32_t, LinkPtr> links_;                      // registered server -> its connection
  std::unordered_map<uint32_t, std::pair<uint32_t, Done>> pending_;  // op id -> (server, done)
  uint32_t next_op_ = 1;
};

}  // namespace antler::master

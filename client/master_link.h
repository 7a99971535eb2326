// The client's connection to the master: many threads send requests at once;
// one receiver thread matches replies to callers by request id. A lost
// connection is re-established (and the session resumed) by the next caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "common/epoch.h"
#include "common/mutex.h"
#include "common/net.h"

namespace antler::client {

class MasterLink {
 public:
  explicit MasterLink(const Options& opts) : opts_(opts) {}
  ~MasterLink();

  // Connects and registers; on refusal returns the reason.
  Status start() EXCLUDES(mu_);
  // The client's open handles, as ClOpen requests (reclaim set). When a
  // registration gets a new session instead of the one resumed (the master
  // restarted or failed over, and knows it no longer), they are sent on the
  // new connection before any other request, so that the master knows
  // again which files this session may read and write. Called with mu_
  // held: it may take only leaf locks. Set before start().
  void set_reopen(std::function<std::vector<msg::ClOpen>()> f) EXCLUDES(mu_) {
    MutexLock l(&mu_);
    reopen_ = std::move(f);
  }
  bool readonly() const { return readonly_; }
  bool kernel_checks() const { return kernel_checks_; }
  // Counts successful connections (a change means the session was
  // registered again, perhaps with a restarted master).
  uint64_t generation() EXCLUDES(mu_) {
    MutexLock l(&mu_);
    return generation_;
  }
  bool connected() EXCLUDES(mu_) {
    MutexLock l(&mu_);
    return conn_ != nullptr;
  }
  // One attempt to connect and register again, when not connected (the
  // background reconnection of an idle session); true if connected now.
  bool try_reconnect() EXCLUDES(mu_);

  // A handle's ClRelease, without waiting for the reply. While the master
  // is unreachable it waits, and goes with the next registration that
  // resumes the session (a new session has no such open to release).
  void release(uint32_t inode) EXCLUDES(mu_, send_mu_) {
    {
      MutexLock l(&mu_);
      if (!conn_) {
        pending_releases_.push_back(inode);
        return;
      }
    }
    post(msg::ClRelease{0, inode});
  }

  // Sends request m without waiting for its reply (which is dropped). Best
  // effort: nothing is sent while the master is unreachable.
  template <class M>
  void post(M m) EXCLUDES(mu_, send_mu_) {
    std::shared_ptr<net::Conn> conn;
    {
      MutexLock l(&mu_);
      if (!conn_) return;
      conn = conn_;
      m.req = next_req_++;
      if (next_req_ == 0) next_req_ = 1;
    }
    MutexLock l(&send_mu_);
    conn->send(m);
  }

  // Sends request m (its req field is set here) and waits for the reply of
  // type R. Retries over reconnections up to io_retries; returns the status
  // of the exchange (the reply's own status is in *out).
  //
  // sent, if given, runs each time the request has been sent (before its
  // reply arrives): a request that waits in the master can then be cancelled
  // by a later message on the same connection.
  template <class M, class R>
  St call(M m, R* out, const std::function<void()>& sent = nullptr) {
    for (int attempt = 0;; attempt++) {
      std::string payload;
      uint32_t type = 0;
      St st = exchange(m, M::kType, &m.req, &type, &payload, sent);
      if (st == St::kOk) {
        if (type == R::kType && net::decode(payload, *out)) return St::kOk;
        if (type == msg::ClStatusReply::kType) {
          msg::ClStatusReply s;
          if (net::decode(payload, s)) {
            if (s.status == St::kBadSession && attempt < opts_.io_retries) {
              drop_connection();
              continue;
            }
            out->status = s.status;
            return St::kOk;
          }
        }
        return St::kProtocol;
      }
      if (attempt >= opts_.io_retries) return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt == 0 ? 50 : 1000));
    }
  }

  // A tool request (msg::kToolFirst..kToolLast): `payload` begins with a
  // msg::ToolHeader, which is replaced by this link's request id and `cred`.
  // The reply comes back as received (type and payload). Retries like call().
  St call_tool(uint32_t type, std::string_view payload, const msg::Cred& cred, uint32_t* reply_type,
               std::string* reply);

 private:
  template <class M>
  St exchange(const M& m, uint32_t, uint32_t* req, uint32_t* type, std::string* payload,
              const std::function<void()>& sent) {
    return exchange_frame(
        [&](uint32_t id) {
          M copy = m;
          copy.req = id;
          *req = id;
          return net::frame(copy);
        },
        type, payload, sent);
  }
  St exchange_frame(const std::function<std::string(uint32_t)>& make, uint32_t* type, std::string* payload,
                    const std::function<void()>& sent = nullptr) EXCLUDES(mu_, send_mu_);
  // Connects, registers (resuming session_) and starts the connection's
  // receiver; on failure returns the reason. Held mu_ throughout: other
  // callers wait for the outcome rather than connect twice.
  Status connect_locked() REQUIRES(mu_);
  // Sends reopen_'s requests on conn, a new session's connection (no
  // receiver yet), one at a time.
  void reopen_files(net::Conn& conn) REQUIRES(mu_);
  void drop_connection() EXCLUDES(mu_);
  void receiver(const std::shared_ptr<net::Conn>& conn, uint64_t generation) EXCLUDES(mu_);

  // A caller waiting for its reply. Its fields are guarded by mu_ (the
  // annotation cannot name another object's mutex).
  struct Waiter {
    bool done = false;
    St status = St::kOk;
    uint32_t type = 0;
    std::string payload;
  };

  const Options opts_;
  Mutex mu_;
  CondVar cv_;  // with mu_: a reply arrived, or the connection was lost
  std::shared_ptr<net::Conn> conn_ GUARDED_BY(mu_);
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  std::map<uint32_t, Waiter*> waiters_ GUARDED_BY(mu_);
  uint32_t next_req_ GUARDED_BY(mu_) = 1;
  uint64_t session_ GUARDED_BY(mu_) = 0;
  std::string secret_ GUARDED_BY(mu_);  // session_'s, from the master: resumes it
  Epoch epoch_ GUARDED_BY(mu_);         // the newest cluster epoch seen (fencing, common/epoch.h)
  std::function<std::vector<msg::ClOpen>()> reopen_ GUARDED_BY(mu_);
  std::vector<uint32_t> pending_releases_ GUARDED_BY(mu_);  // see release()
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> receivers_ GUARDED_BY(mu_);
  // Written under mu_ at each registration, read without it (readonly()).
  std::atomic<bool> readonly_{false};
  std::atomic<bool> kernel_checks_{false};
  // Keeps the frames of concurrent senders whole on the connection. Taken
  // with mu_ released (never together with it).
  Mutex send_mu_;
};

}  // namespace antler::client

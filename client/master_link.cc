#include "client/master_link.h"

#include <unistd.h>

#include <cstring>

#include "common/auth.h"
#include "common/log.h"

namespace antler::client {

MasterLink::~MasterLink() {
  std::vector<std::thread> receivers;
  {
    MutexLock l(&mu_);
    stopping_ = true;
    if (conn_) conn_->shutdown();
    receivers.swap(receivers_);
  }
  for (auto& t : receivers)
    if (t.joinable()) t.join();
}

bool MasterLink::try_reconnect() {
  MutexLock l(&mu_);
  if (conn_) return true;
  if (stopping_) return false;
  if (Status s = connect_locked(); !s.ok()) {
    log::debug("{}", s.message());
    return false;
  }
  log::info("reconnected to master, session {:016x}", session_);
  return true;
}

Status MasterLink::start() {
  MutexLock l(&mu_);
  return connect_locked();
}

Status MasterLink::connect_locked() {
  uint32_t ip;
  if (!net::resolve_ipv4(opts_.master_host, ip))
    return Status::error("cannot resolve master host '" + opts_.master_host + "'");
  uint32_t bind_ip = 0;
  if (!opts_.bind_host.empty() && !net::resolve_ipv4(opts_.bind_host, bind_ip))
    return Status::error("cannot resolve local address '" + opts_.bind_host + "' (mfsbind)");
  auto conn = std::make_shared<net::Conn>();
  std::string where = opts_.master_host + ":" + std::to_string(opts_.master_port);
  if (!conn->connect(ip, opts_.master_port, opts_.connect_timeout_ms, bind_ip)) {
    int e = errno;
    return Status::from_errno("cannot connect to master " + where + (bind_ip ? " from " + opts_.bind_host : ""), e);
  }
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  msg::Hello hello;
  hello.role = msg::kRoleClient;
  hello.name = host;
  hello.epoch = epoch_.epoch;
  hello.epoch_id = epoch_.id;
  msg::HelloReply hr;
  if (!conn->send(hello) || !conn->recv_as(hr, opts_.connect_timeout_ms))
    return Status::error("master " + where + " did not answer the handshake", St::kDisconnected);
  if (hr.status != St::kOk)
    return Status::error("master " + where + " refused the handshake: " + hr.message, hr.status);
  // Fencing: never back to a master older than one this mount has followed
  // (retried like a master that is down: the new one may come back).
  if (std::string why = epoch_refusal(epoch_, {hr.epoch, hr.epoch_id}); !why.empty())
    return Status::error("master " + where + ": " + why, St::kDisconnected);
  if (hr.epoch > epoch_.epoch) {
    if (epoch_.epoch != 0)
      log::info("master {}: cluster epoch {} (was {}): a promoted master", where, hr.epoch, epoch_.epoch);
    epoch_ = {hr.epoch, hr.epoch_id};
  }
  // The password itself never leaves this process: only its MD5 keys the
  // answer to the master's challenge.
  std::string key = !opts_.password_md5.empty() ? opts_.password_md5
                    : !opts_.password.empty()   ? auth::md5(opts_.password)
                                                : std::string();
  msg::ClRegister reg;
  reg.req = 0;
  reg.subdir = opts_.subdir;
  reg.session_id = session_;
  reg.secret = secret_;
  reg.info = opts_.info;
  reg.passcode = !key.empty();
  reg.version = ANTLER_VERSION_NUM;
  reg.meta = opts_.meta;
  msg::ClRegisterReply rr;
  uint32_t type = 0;
  std::string payload;
  bool ok = conn->send(reg) && conn->recv(type, payload, opts_.connect_timeout_ms);
  if (ok && type == msg::ClChallenge::kType) {
    msg::ClChallenge ch;
    ok = net::decode(payload, ch) && !key.empty() &&
         conn->send(msg::ClChallengeReply{ch.req, auth::response(key, ch.nonce)}) &&
         conn->recv(type, payload, opts_.connect_timeout_ms);
  }
  if (!ok || type != msg::ClRegisterReply::kType || !net::decode(payload, rr))
    return Status::error("master " + where + " did not answer the registration", St::kDisconnected);
  if (rr.status != St::kOk) {
    std::string why = rr.message.empty() ? std::string(to_string(rr.status)) : rr.message;
    return Status::error("master " + where + " refused the mount: " + why, rr.status);
  }
  bool lost = session_ != 0 && !rr.resumed;
  if (lost) log::warn("master gave a new session {:016x} (it no longer knew {:016x})", rr.session_id, session_);
  session_ = rr.session_id;
  secret_ = rr.secret;
  readonly_ = rr.readonly;
  kernel_checks_ = rr.kernel_checks;
  if (lost) {
    pending_releases_.clear();  // the new session holds none of them
    reopen_files(*conn);
  } else {
    for (uint32_t inode : pending_releases_) {
      msg::ClRelease rel{next_req_++, inode};
      if (next_req_ == 0) next_req_ = 1;
      msg::ClStatusReply ack;
      if (!conn->send(rel) || !conn->recv_as(ack, opts_.connect_timeout_ms)) break;
    }
    pending_releases_.clear();
  }
  conn_ = conn;
  generation_++;
  receivers_.emplace_back([this, conn, gen = generation_] { receiver(conn, gen); });
  return Status();
}

void MasterLink::reopen_files(net::Conn& conn) {
  if (!reopen_) return;
  size_t n = 0, failed = 0;
  for (msg::ClOpen& op : reopen_()) {
    op.req = next_req_++;
    if (next_req_ == 0) next_req_ = 1;
    op.reclaim = true;
    msg::ClOpenReply r;
    n++;
    if (!conn.send(op) || !conn.recv_as(r, opts_.connect_timeout_ms)) {
      log::warn("master did not answer while open files were opened again");
      return;
    }
    if (r.status != St::kOk) {
      failed++;
      log::warn("open file inode {} could not be opened again in the new session: {}; its reads and writes fail",
                op.inode, to_string(r.status));
    }
  }
  if (n) log::info("{} open file handles opened again in the new session ({} failed)", n, failed);
}

void MasterLink::drop_connection() {
  MutexLock l(&mu_);
  if (conn_) conn_->shutdown();
  conn_.reset();
}

void MasterLink::receiver(const std::shared_ptr<net::Conn>& conn, uint64_t generation) {
  for (;;) {
    uint32_t type;
    std::string payload;
    if (!conn->recv(type, payload)) break;
    uint32_t req;
    if (payload.size() < 4) continue;
    std::memcpy(&req, payload.data(), 4);  // every reply starts with req
    MutexLock l(&mu_);
    auto it = waiters_.find(req);
    if (it == waiters_.end()) continue;
    it->second->done = true;
    it->second->type = type;
    it->second->payload = std::move(payload);
    waiters_.erase(it);
    cv_.SignalAll();
  }
  MutexLock l(&mu_);
  if (generation == generation_) {
    if (!stopping_) log::warn("connection to master lost; will reconnect");
    conn_.reset();
    for (auto& [req, w] : waiters_) {
      w->done = true;
      w->status = St::kDisconnected;
    }
    waiters_.clear();
    cv_.SignalAll();
  }
}

St MasterLink::exchange_frame(const std::function<std::string(uint32_t)>& make, uint32_t* type, std::string* payload,
                              const std::function<void()>& after_send) {
  Waiter w;
  std::shared_ptr<net::Conn> conn;
  std::string frame;
  {
    MutexLock l(&mu_);
    if (!conn_) {
      if (Status s = connect_locked(); !s.ok()) {
        log::warn("{}", s.message());
        return St::kDisconnected;
      }
      log::info("reconnected to master, session {:016x}", session_);
    }
    conn = conn_;
    uint32_t id = next_req_++;
    if (next_req_ == 0) next_req_ = 1;
    frame = make(id);
    waiters_[id] = &w;
  }
  bool sent;
  {
    MutexLock l(&send_mu_);
    sent = conn->send_raw(frame);
  }
  if (sent && after_send) after_send();
  MutexLock l(&mu_);
  if (!sent) {
    conn->shutdown();
  }
  while (!w.done) cv_.Wait(mu_);
  if (w.status != St::kOk) return w.status;
  *type = w.type;
  *payload = std::move(w.payload);
  return St::kOk;
}

St MasterLink::call_tool(uint32_t type, std::string_view payload, const msg::Cred& cred, uint32_t* reply_type,
                         std::string* reply) {
  if (type < msg::kToolFirst || type > msg::kToolLast) return St::kInval;
  serde::Reader r(payload.data(), payload.size());
  msg::ToolHeader h;
  if (!r.get(h.req) || !r.get(h.cred)) return St::kInval;
  std::string_view rest = payload.substr(payload.size() - r.left());
  for (int attempt = 0;; attempt++) {
    St st = exchange_frame(
        [&](uint32_t id) {
          std::string out(8, '\0');
          serde::Writer w(out);
          w.put(id);
          w.put(cred);
          out.append(rest);
          uint32_t hdr[2] = {type, static_cast<uint32_t>(out.size() - 8)};
          std::memcpy(out.data(), hdr, 8);
          return out;
        },
        reply_type, reply);
    if (st == St::kOk) {
      msg::ClStatusReply s;
      if (*reply_type == msg::ClStatusReply::kType && net::decode(*reply, s) && s.status == St::kBadSession &&
          attempt < opts_.io_retries) {
        drop_connection();
        continue;
      }
      return St::kOk;
    }
    if (attempt >= opts_.io_retries) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(attempt == 0 ? 50 : 1000));
  }
}

}  // namespace antler::client

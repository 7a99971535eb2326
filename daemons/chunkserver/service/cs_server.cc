#include "daemons/chunkserver/service/cs_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>

#include "common/crc.h"
#include "common/log.h"
#include "common/net.h"
#include "daemons/chunkserver/storage/cs_checksum.h"

namespace antler::cs {

using msg::kBlockSize;
using msg::kChunkSize;

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) < 0) return "chunkserver";
  return buf;
}

namespace {

constexpr uint32_t kEndId = UINT32_MAX;

// One connection on the data port.
class Session {
 public:
  Session(CsServer& srv, int fd) : srv_(srv), store_(srv.store()), conn_(fd) {
    // Sending and receiving use separate Conn objects (each keeps its own
    // error text), since the acknowledgement thread sends while this one reads.
    tx_ = net::Conn(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    uint32_t ip = net::peer_ip(fd);
    peer_ = ip ? net::ip_to_string(ip) : "unknown peer";
  }
  ~Session() { end_write(/*peer_alive=*/false); }

  void run();

 private:
  // An acknowledgement waiting for the next server's answer.
  struct Pending {
    uint32_t write_id = 0;
    St local = St::kOk;
    bool forwarded = false;  // sent downstream: its ack must be read
    St fallback = St::kOk;   // downstream status when not forwarded
    bool end = false;        // CsWriteEnd
  };
  // The open write of this connection.
  struct Write {
    uint64_t chunk_id = 0;
    ChunkStore::Handle handle;
    bool has_down = false;
    net::Conn down;     // read by the acknowledgement thread
    net::Conn down_tx;  // the same socket (dup), written by the session thread
    std::atomic<bool> down_ok{false};
    std::thread acker;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Pending> queue;
    bool quit = false;
  };

  template <class M>
  bool send(const M& m) {
    std::lock_guard lk(send_mu_);
    out_.clear();
    net::append_frame(m, out_);
    return tx_.send_raw(out_);
  }
  template <class M>
  bool parse(const std::string& payload, M& m, const char* what) {
    if (net::decode(payload, m)) return true;
    log::warn("{}: undecodable {} message ({} bytes), closing the connection", peer_, what, payload.size());
    return false;
  }

  // Logs the first request refused for its token on this connection.
  void refused(const char* what, uint64_t chunk_id, uint32_t version) {
    if (refusals_++ == 0)
      log::warn(
          "{}: {} of chunk {:016X} v{} without a valid chunk access token: refused (further refusals on this "
          "connection are not logged)",
          peer_, what, chunk_id, version);
  }
  bool on_read(const msg::CsRead& r);
  bool on_checksum(const msg::CsChecksum& m);
  bool on_write_init(const msg::CsWriteInit& m);
  bool on_write_data(const msg::CsWriteData& m, const std::string& payload);
  bool on_write_end(const msg::CsWriteEnd& m, const std::string& payload);
  St open_downstream(Write& w, const msg::CsWriteInit& m);
  bool forward(Write& w, uint32_t type, const std::string& payload);
  void push(Pending p);
  void ack_loop(Write* w);
  // Ends the current write: waits for outstanding acknowledgements (peer
  // alive) or drops them (peer gone).
  void end_write(bool peer_alive);

  CsServer& srv_;
  ChunkStore& store_;
  net::Conn conn_;  // receiving side
  net::Conn tx_;    // sending side, under send_mu_
  std::string peer_;
  std::mutex send_mu_;
  std::string out_;  // frame buffer, under send_mu_
  std::unique_ptr<Write> w_;
  uint64_t refusals_ = 0;
  std::unique_ptr<char[]> block_{new char[kBlockSize]};
  msg::CsReadData piece_;
};

void Session::run() {
  const auto& opts = srv_.options();
  uint32_t type = 0;
  std::string payload;
  if (!conn_.recv(type, payload, opts.hello_timeout_ms, opts.hello_max_frame)) {
    if (conn_.malformed()) log::warn("{}: {}; closing the connection", peer_, conn_.last_error());
    else log::debug("{}: no hello: {}", peer_, conn_.last_error());
    return;
  }
  msg::Hello hello;
  if (type != msg::Hello::kType) {
    log::warn("{}: first message has type {}, expected Hello; closing the connection", peer_, type);
    return;
  }
  if (!parse(payload, hello, "Hello")) return;
  if (!tx_.connected()) {
    log::error("{}: cannot duplicate the socket: {}", peer_, std::strerror(errno));
    return;
  }
  if (!hello.name.empty()) peer_ += " (" + hello.name + ")";
  msg::HelloReply hr;
  if (!send(hr)) return;

  for (;;) {
    if (!conn_.recv(type, payload, -1, opts.max_frame)) {
      const std::string& e = conn_.last_error();
      if (conn_.malformed()) log::warn("{}: {}; closing the connection", peer_, e);
      else log::debug("{}: connection ended: {}", peer_, e);
      break;
    }
    bool ok = false;
    switch (type) {
      case msg::CsRead::kType: {
        msg::CsRead m;
        ok = parse(payload, m, "CsRead") && on_read(m);
        break;
      }
      case msg::CsWriteInit::kType: {
        msg::CsWriteInit m;
        ok = parse(payload, m, "CsWriteInit") && on_write_init(m);
        break;
      }
      case msg::CsWriteData::kType: {
        msg::CsWriteData m;
        ok = parse(payload, m, "CsWriteData") && on_write_data(m, payload);
        break;
      }
      case msg::CsWriteEnd::kType: {
        msg::CsWriteEnd m;
        ok = parse(payload, m, "CsWriteEnd") && on_write_end(m, payload);
        break;
      }
      case msg::CsChecksum::kType: {
        msg::CsChecksum m;
        ok = parse(payload, m, "CsChecksum") && on_checksum(m);
        break;
      }
      case msg::Hello::kType: log::warn("{}: second Hello on one connection; closing it", peer_); break;
      default:
        log::warn("{}: unknown message type {} ({} bytes); closing the connection", peer_, type, payload.size());
        break;
    }
    if (!ok) break;
  }
  end_write(false);
}

// ------------------------------------------------------------------- reads

bool Session::on_read(const msg::CsRead& r) {
  msg::CsReadStatus rs;
  rs.chunk_id = r.chunk_id;
  ChunkStore::Handle h;
  St st = St::kBadToken;
  if (srv_.token_ok(r.token, r.chunk_id, r.version, token::kRead)) st = store_.open(r.chunk_id, r.version, &h);
  else refused("read", r.chunk_id, r.version);
  if (st == St::kOk && uint64_t{r.offset} + r.size > kChunkSize) st = St::kInval;
  if (st != St::kOk) {
    rs.status = st;
    return send(rs);
  }
  uint32_t len = h.length();
  uint64_t end = std::min<uint64_t>(uint64_t{r.offset} + r.size, len);
  char* buf = block_.get();
  for (uint64_t pos = r.offset; pos < end;) {
    uint32_t blk = static_cast<uint32_t>(pos / kBlockSize);
    uint64_t bstart = uint64_t{blk} * kBlockSize;
    uint64_t pend = std::min<uint64_t>(end, bstart + kBlockSize);
    uint32_t crc = 0;
    st = h.read_block(blk, buf, &crc, nullptr);
    if (st != St::kOk) {
      if (st == St::kCrc) {
        log::warn("chunk {:016X} v{}: CRC mismatch in block {} (read by {})", r.chunk_id, r.version, blk, peer_);
        srv_.damaged(r.chunk_id);
      }
      rs.status = st;
      return send(rs);
    }
    size_t n = static_cast<size_t>(pend - pos);
    const char* p = buf + (pos - bstart);
    piece_.chunk_id = r.chunk_id;
    piece_.offset = static_cast<uint32_t>(pos);
    piece_.crc = n == kBlockSize ? crc : crc32c(p, n);
    piece_.data.assign(p, n);
    if (!send(piece_)) return false;
    pos = pend;
  }
  rs.status = St::kOk;
  rs.chunk_length = len;
  return send(rs);
}

// --------------------------------------------------------------- checksums

bool Session::on_checksum(const msg::CsChecksum& m) {
  msg::CsChecksumReply r = copy_checksum(store_, m.chunk_id, m.version, block_.get());
  if (r.bad_blocks > 0) {
    log::warn("chunk {:016X} v{}: {} block(s) do not match their CRC (checksum asked by {})", m.chunk_id, m.version,
              r.bad_blocks, peer_);
    srv_.damaged(m.chunk_id);
  }
  return send(r);
}

// ------------------------------------------------------------------ writes

St Session::open_downstream(Write& w, const msg::CsWriteInit& m) {
  const auto& opts = srv_.options();
  const msg::Location& next = m.chain[0];
  std::string where = net::to_string(next);
  if (!w.down.connect(next.ip, next.port, opts.connect_timeout_ms)) {
    log::warn("chunk {:016X}: cannot connect to next chunkserver {}: {}", m.chunk_id, where, std::strerror(errno));
    return St::kDisconnected;
  }
  msg::Hello hello;
  hello.role = msg::kRoleChunkserver;
  hello.name = host_name();
  msg::HelloReply hr;
  if (!w.down.send(hello) || !w.down.recv_as(hr, opts.connect_timeout_ms)) {
    log::warn("chunk {:016X}: no handshake with next chunkserver {}: {}", m.chunk_id, where, w.down.last_error());
    return St::kDisconnected;
  }
  if (hr.status != St::kOk) {
    log::warn("chunk {:016X}: next chunkserver {} refused the connection: {}", m.chunk_id, where, hr.message);
    return St::kDisconnected;
  }
  msg::CsWriteInit fwd;
  fwd.chunk_id = m.chunk_id;
  fwd.version = m.version;
  fwd.chain.assign(m.chain.begin() + 1, m.chain.end());
  fwd.token = m.token;
  msg::CsWriteStatus ws;
  int timeout = opts.connect_timeout_ms * static_cast<int>(m.chain.size() + 1) + opts.ack_timeout_ms;
  if (!w.down.send(fwd) || !w.down.recv_as(ws, timeout)) {
    log::warn("chunk {:016X}: next chunkserver {} did not open the write: {}", m.chunk_id, where, w.down.last_error());
    return St::kDisconnected;
  }
  if (ws.write_id != 0 || ws.chunk_id != m.chunk_id) {
    log::warn("chunk {:016X}: unexpected answer from next chunkserver {}", m.chunk_id, where);
    return St::kProtocol;
  }
  if (ws.status != St::kOk) return ws.status;
  w.down_tx = net::Conn(::fcntl(w.down.fd(), F_DUPFD_CLOEXEC, 0));
  if (!w.down_tx.connected()) return St::kDisconnected;
  w.down_ok = true;
  return St::kOk;
}

bool Session::on_write_init(const msg::CsWriteInit& m) {
  end_write(true);
  msg::CsWriteStatus reply;
  reply.chunk_id = m.chunk_id;
  auto w = std::make_unique<Write>();
  w->chunk_id = m.chunk_id;
  St st = St::kBadToken;
  if (srv_.token_ok(m.token, m.chunk_id, m.version, token::kWrite)) st = store_.open(m.chunk_id, m.version, &w->handle);
  else refused("write", m.chunk_id, m.version);
  if (st == St::kOk && !m.chain.empty()) {
    w->has_down = true;
    st = open_downstream(*w, m);
  }
  if (st != St::kOk) {
    reply.status = st;
    return send(reply);
  }
  w_ = std::move(w);
  if (w_->has_down) w_->acker = std::thread(&Session::ack_loop, this, w_.get());
  return send(reply);
}

bool Session::forward(Write& w, uint32_t type, const std::string& payload) {
  if (!w.down_ok) return false;
  std::string frame(8, '\0');
  uint32_t hdr[2] = {type, static_cast<uint32_t>(payload.size())};
  std::memcpy(frame.data(), hdr, 8);
  frame += payload;
  if (w.down_tx.send_raw(frame)) return true;
  log::warn("chunk {:016X}: lost the next chunkserver of the chain: {}", w.chunk_id, w.down_tx.last_error());
  w.down_ok = false;
  w.down.shutdown();
  return false;
}

void Session::push(Pending p) {
  {
    std::lock_guard lk(w_->mu);
    w_->queue.push_back(p);
  }
  w_->cv.notify_one();
}

bool Session::on_write_data(const msg::CsWriteData& m, const std::string& payload) {
  if (!w_) {
    msg::CsWriteStatus reply{m.chunk_id, m.write_id, St::kProtocol};
    return send(reply);
  }
  Write& w = *w_;
  St local = St::kOk;
  uint32_t size = static_cast<uint32_t>(m.data.size());
  if (m.chunk_id != w.chunk_id) local = St::kInval;
  else if (crc32c(m.data.data(), m.data.size()) != m.crc) local = St::kCrc;
  else if (size == 0 || m.data.size() > kBlockSize || uint64_t{m.offset} + size > kChunkSize ||
           m.offset / kBlockSize != (m.offset + size - 1) / kBlockSize)
    local = St::kInval;
  if (local != St::kOk)
    log::warn("{}: chunk {:016X}: write {} refused: {}", peer_, m.chunk_id, m.write_id, to_string(local));
  Pending p;
  p.write_id = m.write_id;
  if (local == St::kOk && w.has_down) {
    p.forwarded = forward(w, msg::CsWriteData::kType, payload);
    if (!p.forwarded) p.fallback = St::kDisconnected;
  }
  if (local == St::kOk) {
    local = w.handle.write(m.offset, m.data.data(), size);
    if (local == St::kCrc) srv_.damaged(m.chunk_id);
  }
  p.local = local;
  if (w.has_down) {
    push(p);
    return true;
  }
  msg::CsWriteStatus reply{m.chunk_id, m.write_id, local};
  return send(reply);
}

bool Session::on_write_end(const msg::CsWriteEnd& m, const std::string& payload) {
  if (!w_ || m.chunk_id != w_->chunk_id) {
    // Nothing open for that chunk: answer at once (after any acks in flight).
    St st = w_ ? St::kInval : St::kProtocol;
    end_write(true);
    msg::CsWriteStatus reply{m.chunk_id, kEndId, st};
    return send(reply);
  }
  Write& w = *w_;
  Pending p;
  p.write_id = kEndId;
  p.end = true;
  if (w.has_down) {
    p.forwarded = forward(w, msg::CsWriteEnd::kType, payload);
    if (!p.forwarded) p.fallback = St::kDisconnected;
  }
  if (m.fsync || srv_.options().fsync_before_close) p.local = w.handle.fsync();
  if (w.has_down) {
    push(p);
    end_write(true);  // the acker sends the final status, then ends
    return conn_.connected();
  }
  w_.reset();
  msg::CsWriteStatus reply{m.chunk_id, kEndId, p.local};
  return send(reply);
}

void Session::ack_loop(Write* w) {
  const int timeout = srv_.options().ack_timeout_ms;
  for (;;) {
    Pending p;
    {
      std::unique_lock lk(w->mu);
      w->cv.wait(lk, [&] { return !w->queue.empty() || w->quit; });
      if (w->queue.empty()) return;
      p = w->queue.front();
      w->queue.pop_front();
    }
    St down = p.fallback;
    if (p.forwarded) {
      msg::CsWriteStatus a;
      bool got = false;
      if (!w->down_ok) {
        down = St::kDisconnected;
      } else if (!(got = w->down.recv_as(a, timeout)) || a.write_id != p.write_id) {
        log::warn("chunk {:016X}: no acknowledgement of write {} from the next chunkserver: {}", w->chunk_id,
                  p.write_id, got ? "answer out of order" : w->down.last_error());
        w->down_ok = false;
        w->down.shutdown();
        down = St::kDisconnected;
      } else {
        down = a.status;
      }
    }
    St st = p.local != St::kOk ? p.local : down;
    msg::CsWriteStatus reply{w->chunk_id, p.write_id, st};
    send(reply);  // a failure shows up in the reading thread
    if (p.end) return;
  }
}

void Session::end_write(bool peer_alive) {
  if (!w_) return;
  if (w_->acker.joinable()) {
    if (!peer_alive) {
      w_->down_ok = false;
      w_->down.shutdown();
    }
    {
      std::lock_guard lk(w_->mu);
      w_->quit = true;
    }
    w_->cv.notify_one();
    w_->acker.join();
  }
  w_.reset();
}

}  // namespace

// ------------------------------------------------------------------ server

CsServer::CsServer(ChunkStore& store, const Options& opts) : store_(store), opts_(opts) {}

CsServer::~CsServer() {
  stop();
  wait();
}

Status CsServer::start(uint32_t ip, uint16_t port) {
  listen_fd_.reset(net::listen_tcp(ip, port));
  if (!listen_fd_) {
    return Status::from_errno(
        "cannot listen on " + (ip ? net::ip_to_string(ip) : std::string("*")) + ":" + std::to_string(port), errno);
  }
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0) port_ = ntohs(sa.sin_port);
  acceptor_ = std::thread(&CsServer::accept_loop, this);
  return Status();
}

void CsServer::accept_loop() {
  while (!stopping_) {
    UniqueFd conn(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) {
      if (stopping_) break;
      if (errno == EINTR || errno == ECONNABORTED) continue;
      log::warn("accept on the data port failed: {}", std::strerror(errno));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    int one = 1;
    setsockopt(conn.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    uint32_t ip =
        ::getpeername(conn.get(), reinterpret_cast<sockaddr*>(&sa), &len) == 0 ? ntohl(sa.sin_addr.s_addr) : 0;
    {
      std::lock_guard lk(mu_);
      if (stopping_) break;  // conn closes
      const char* full = static_cast<uint32_t>(threads_) >= opts_.max_connections ? "MAX_CONNECTIONS"
                         : per_ip_[ip] >= opts_.max_connections_per_ip            ? "MAX_CONNECTIONS_PER_IP"
                                                                                  : nullptr;
      if (full) {
        if (per_ip_[ip] == 0) per_ip_.erase(ip);
        refused_++;
        auto now = std::chrono::steady_clock::now();
        if (now - last_refusal_log_ >= std::chrono::seconds(10)) {
          log::warn("data port: connection from {} refused: {} reached ({} open; {} refused)", net::ip_to_string(ip),
                    full, threads_, refused_);
          last_refusal_log_ = now;
          refused_ = 0;
        }
        continue;  // conn closes
      }
      fds_.insert(conn.get());
      per_ip_[ip]++;
      threads_++;
    }
    std::thread([this, ip, fd = conn.release()] { serve(fd, ip); }).detach();
  }
}

void CsServer::serve(int fd, uint32_t ip) {
  active_++;
  {
    Session s(*this, fd);
    s.run();
    std::lock_guard lk(mu_);
    fds_.erase(fd);  // the Session closes fd right after
    if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  }
  active_--;
  std::lock_guard lk(mu_);
  if (--threads_ == 0) idle_.notify_all();
}

void CsServer::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_) ::shutdown(listen_fd_.get(), SHUT_RDWR);
  std::lock_guard lk(mu_);
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

void CsServer::wait() {
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::unique_lock lk(mu_);
    idle_.wait(lk, [&] { return threads_ == 0; });
  }
  listen_fd_.reset();
}

}  // namespace antler::cs

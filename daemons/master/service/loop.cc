#include "daemons/master/service/loop.h"

#include <asio.hpp>

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "common/log.h"
#include "common/net.h"

namespace antler::master {

using asio::ip::tcp;

namespace {

// Connections by peer address, the limits, and the log of refusals: shared
// by the acceptors and the links (which give their place back at close).
struct Admission {
  Loop::Limits limits;
  uint32_t total = 0;
  std::unordered_map<uint32_t, uint32_t> per_ip;
  uint64_t refused = 0;  // since the last warning
  int64_t last_warning_ms = -1;

  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // Whether one more connection from ip fits; counts it if so.
  bool admit(uint32_t ip, const char* what, const std::string& peer) {
    const char* why = nullptr;
    if (total >= limits.max_connections) why = "MAX_CONNECTIONS";
    else if (per_ip[ip] >= limits.max_connections_per_ip) why = "MAX_CONNECTIONS_PER_IP";
    if (!why) {
      total++;
      per_ip[ip]++;
      return true;
    }
    if (per_ip[ip] == 0) per_ip.erase(ip);
    refused++;
    int64_t now = now_ms();
    if (last_warning_ms < 0 || now - last_warning_ms >= 10000) {
      log::warn("{} {}: connection refused: {} reached ({} connections open, {} from this address; {} refused)", what,
                peer, why, total, per_ip.count(ip) ? per_ip[ip] : 0, refused);
      last_warning_ms = now;
      refused = 0;
    }
    return false;
  }
  void gone(uint32_t ip) {
    total--;
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second == 0) per_ip.erase(it);
  }
};

class AsioLink : public Link, public std::enable_shared_from_this<AsioLink> {
 public:
  AsioLink(tcp::socket s, Listener* l, Admission* adm, uint32_t ip)
      : sock_(std::move(s)), listener_(l), adm_(adm), deadline_(sock_.get_executor()) {
    peer_ip = ip;
  }

  void start(const std::string& peer_name) {
    peer = peer_name;
    asio::error_code ec;
    sock_.set_option(tcp::no_delay(true), ec);
    listener_->on_open(shared_from_this());
    arm(adm_->limits.handshake_timeout_ms,
        "no handshake within " + std::to_string(adm_->limits.handshake_timeout_ms / 1000) + " s");
    read_header();
  }

  void send(std::string frame) override {
    if (closed_) return;
    out_.push_back(std::move(frame));
    if (out_.size() == 1) write_next();
  }

  void close(const std::string& reason) override {
    if (closed_) return;
    closed_ = true;
    adm_->gone(peer_ip);
    if (!reason.empty()) log::warn("{} {}: closing connection: {}", listener_->what(), peer, reason);
    asio::error_code ec;
    deadline_.cancel();
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    listener_->on_close(shared_from_this());
  }

  bool open() const override { return !closed_; }

 private:
  // Closes the connection with reason unless watch() re-arms the timer first.
  void arm(int ms, std::string reason) {
    auto self = shared_from_this();
    deadline_.expires_after(std::chrono::milliseconds(ms));
    deadline_.async_wait([this, self, reason = std::move(reason)](asio::error_code ec) {
      if (!ec && !closed_) close(reason);
    });
  }

  void read_header() {
    auto self = shared_from_this();
    asio::async_read(sock_, asio::buffer(hdr_, 8), [this, self](asio::error_code ec, size_t) {
      if (closed_) return;
      if (ec) return close(ec == asio::error::eof ? "" : ec.message());
      uint32_t limit = listener_->max_frame();
      if (!authenticated) limit = std::min(limit, adm_->limits.handshake_max_frame);
      if (hdr_[1] > limit) {
        return close("frame type " + std::to_string(hdr_[0]) + " announces " + std::to_string(hdr_[1]) +
                     " bytes, above the limit of " + std::to_string(limit) +
                     (authenticated ? "" : " before the handshake"));
      }
      payload_.clear();
      if (authenticated && hdr_[1] > 0) {
        frame_started_ms_ = Admission::now_ms();
        in_frame_ = true;
      }
      read_body();
    });
  }

  // The payload grows with what arrives (at most doubling), not with what
  // the header announced.
  void read_body() {
    size_t done = payload_.size();
    if (done == hdr_[1]) return dispatch();
    size_t step = net::Conn::recv_step(done, hdr_[1]);
    payload_.resize(done + step);
    auto self = shared_from_this();
    asio::async_read(sock_, asio::buffer(payload_.data() + done, step), [this, self](asio::error_code ec, size_t) {
      if (closed_) return;
      if (ec) return close(ec.message());
      read_body();
    });
  }

  void dispatch() {
    bool was = authenticated;
    in_frame_ = false;
    if (!listener_->on_frame(shared_from_this(), hdr_[0], payload_)) {
      close("");  // the listener logged why
      return;
    }
    if (closed_) return;
    if (authenticated && !was) watch();  // the handshake deadline is met
    read_header();
  }

  // Once authenticated: every half frame timeout, a frame begun longer ago
  // than the timeout closes the connection. (A timer per frame would cost
  // every request a timer queue insertion and a cancelled handler.)
  void watch() {
    auto self = shared_from_this();
    int period = std::max(1, adm_->limits.frame_timeout_ms / 2);
    deadline_.expires_after(std::chrono::milliseconds(period));
    deadline_.async_wait([this, self](asio::error_code ec) {
      if (ec || closed_) return;
      if (in_frame_ && Admission::now_ms() - frame_started_ms_ >= adm_->limits.frame_timeout_ms) {
        return close("frame type " + std::to_string(hdr_[0]) + " of " + std::to_string(hdr_[1]) +
                     " bytes not received within " + std::to_string(adm_->limits.frame_timeout_ms / 1000) + " s");
      }
      watch();
    });
  }

  void write_next() {
    auto self = shared_from_this();
    asio::async_write(sock_, asio::buffer(out_.front()), [this, self](asio::error_code ec, size_t) {
      if (closed_) return;
      if (ec) return close(ec.message());
      out_.pop_front();
      if (!out_.empty()) write_next();
    });
  }

  tcp::socket sock_;
  Listener* listener_;
  Admission* adm_;
  asio::steady_timer deadline_;
  uint32_t hdr_[2] = {0, 0};
  bool in_frame_ = false;  // authenticated, between a header and its last byte
  int64_t frame_started_ms_ = 0;
  std::string payload_;
  std::deque<std::string> out_;
  bool closed_ = false;
};

}  // namespace

struct Loop::Impl {
  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  uint64_t next_id = 1;
  Admission admission;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);

  void accept(tcp::acceptor* a, Listener* l) {
    a->async_accept([this, a, l](asio::error_code ec, tcp::socket s) {
      if (!ec) {
        asio::error_code e2;
        auto ep = s.remote_endpoint(e2);
        uint32_t ip = !e2 && ep.address().is_v4() ? ep.address().to_v4().to_uint() : 0;
        std::string peer = e2 ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
        if (admission.admit(ip, l->what(), peer)) {
          auto link = std::make_shared<AsioLink>(std::move(s), l, &admission, ip);
          link->id = next_id++;
          link->start(peer);
        } else {
          s.close(e2);
        }
      } else if (ec == asio::error::operation_aborted) {
        return;
      } else {
        log::warn("accept on {}: {}", l->what(), ec.message());
      }
      accept(a, l);
    });
  }
};

Loop::Loop() : impl_(std::make_unique<Impl>()) {}
Loop::~Loop() = default;

Status Loop::listen(const std::string& host, uint16_t port, Listener* listener) {
  asio::error_code ec;
  asio::ip::address addr =
      host == "*" || host.empty() ? asio::ip::address(asio::ip::address_v4::any()) : asio::ip::make_address(host, ec);
  if (ec) {
    uint32_t ip;
    if (!net::resolve_ipv4(host, ip)) return Status::error("cannot resolve listen address '" + host + "'");
    addr = asio::ip::address_v4(ip);
  }
  auto a = std::make_unique<tcp::acceptor>(impl_->io);
  tcp::endpoint ep(addr, port);
  a->open(ep.protocol(), ec);
  if (!ec) a->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a->bind(ep, ec);
  if (!ec) a->listen(512, ec);
  if (ec) {
    St code = ec.category() == asio::system_category() ? from_errno(ec.value()) : St::kIO;
    return Status(code, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  impl_->accept(a.get(), listener);
  impl_->acceptors.push_back(std::move(a));
  return Status();
}

void Loop::after(int ms, std::function<void()> fn) {
  auto t = std::make_shared<asio::steady_timer>(impl_->io, std::chrono::milliseconds(ms));
  t->async_wait([t, fn = std::move(fn)](asio::error_code ec) {
    if (!ec) fn();
  });
}

void Loop::set_limits(const Limits& l) { impl_->admission.limits = l; }

uint32_t Loop::connections() const { return impl_->admission.total; }

void Loop::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void Loop::run() { impl_->io.run(); }

void Loop::poll() {
  impl_->io.poll();
  if (impl_->io.stopped()) impl_->io.restart();
}

void Loop::stop() {
  asio::post(impl_->io, [this] {
    for (auto& a : impl_->acceptors) {
      asio::error_code ec;
      a->close(ec);
    }
    impl_->guard.reset();
    impl_->io.stop();
  });
}

int64_t Loop::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace antler::master

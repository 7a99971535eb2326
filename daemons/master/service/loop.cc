#include "daemons/master/service/loop.h"

#include <asio.hpp>

#include <deque>

#include "common/log.h"
#include "common/net.h"

namespace antler::master {

using asio::ip::tcp;

namespace {

class AsioLink : public Link, public std::enable_shared_from_this<AsioLink> {
 public:
  AsioLink(tcp::socket s, Listener* l) : sock_(std::move(s)), listener_(l) {}

  void start() {
    asio::error_code ec;
    auto ep = sock_.remote_endpoint(ec);
    if (!ec && ep.address().is_v4()) peer_ip = ep.address().to_v4().to_uint();
    peer = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
    sock_.set_option(tcp::no_delay(true), ec);
    listener_->on_open(shared_from_this());
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
    if (!reason.empty()) log::warn("{} {}: closing connection: {}", listener_->what(), peer, reason);
    asio::error_code ec;
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    listener_->on_close(shared_from_this());
  }

  bool open() const override { return !closed_; }

 private:
  void read_header() {
    auto self = shared_from_this();
    asio::async_read(sock_, asio::buffer(hdr_, 8), [this, self](asio::error_code ec, size_t) {
      if (closed_) return;
      if (ec) return close(ec == asio::error::eof ? "" : ec.message());
      if (hdr_[1] > listener_->max_frame()) {
        return close("frame type " + std::to_string(hdr_[0]) + " announces " + std::to_string(hdr_[1]) +
                     " bytes, above the limit of " + std::to_string(listener_->max_frame()));
      }
      payload_.resize(hdr_[1]);
      asio::async_read(sock_, asio::buffer(payload_), [this, self](asio::error_code ec2, size_t) {
        if (closed_) return;
        if (ec2) return close(ec2.message());
        if (!listener_->on_frame(self, hdr_[0], payload_)) {
          close("");  // the listener logged why
          return;
        }
        if (!closed_) read_header();
      });
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
  uint32_t hdr_[2] = {0, 0};
  std::string payload_;
  std::deque<std::string> out_;
  bool closed_ = false;
};

}  // namespace

struct Loop::Impl {
  asio::io_context io{1};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  uint64_t next_id = 1;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);

  void accept(tcp::acceptor* a, Listener* l) {
    a->async_accept([this, a, l](asio::error_code ec, tcp::socket s) {
      if (!ec) {
        auto link = std::make_shared<AsioLink>(std::move(s), l);
        link->id = next_id++;
        link->start();
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

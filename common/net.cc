#include "common/net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace antler::net {

bool resolve_ipv4(const std::string& host, uint32_t& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) {
    ip = ntohl(a.s_addr);
    return true;
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return false;
  ip = ntohl(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr);
  freeaddrinfo(res);
  return true;
}

std::string ip_to_string(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) +
         "." + std::to_string(ip & 255);
}

std::string to_string(const msg::Location& loc) { return ip_to_string(loc.ip) + ":" + std::to_string(loc.port); }

static void tune(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool Conn::connect(uint32_t ip, uint16_t port, int timeout_ms, uint32_t bind_ip) {
  close();
  // On failure fd closes with errno kept (UniqueFd).
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return false;
  if (bind_ip != 0) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(bind_ip);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) return false;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(ip);
  int r = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (r < 0 && errno != EINPROGRESS) return false;
  if (r < 0) {
    pollfd p{fd.get(), POLLOUT, 0};
    int pr = ::poll(&p, 1, timeout_ms);
    int err = 0;
    socklen_t len = sizeof err;
    if (pr <= 0) {
      err = pr == 0 ? ETIMEDOUT : errno;
    } else {
      getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err != 0) {
      errno = err;
      return false;
    }
  }
  int fl = fcntl(fd.get(), F_GETFL);
  fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
  tune(fd.get());
  fd_ = std::move(fd);
  return true;
}

void Conn::close() { fd_.reset(); }

void Conn::shutdown() {
  if (fd_) ::shutdown(fd_.get(), SHUT_RDWR);
}

bool Conn::send_raw(std::string_view bytes) {
  if (!fd_) return false;
  const char* p = bytes.data();
  size_t n = bytes.size();
  while (n > 0) {
    ssize_t w = ::send(fd_.get(), p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      send_error_ = std::strerror(errno);
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool Conn::read_full(char* p, size_t n, int timeout_ms) {
  while (n > 0) {
    if (timeout_ms >= 0) {
      pollfd pfd{fd_.get(), POLLIN, 0};
      int pr = ::poll(&pfd, 1, timeout_ms);
      if (pr == 0) {
        error_ = "timeout";
        errno = ETIMEDOUT;
        return false;
      }
      if (pr < 0) {
        if (errno == EINTR) continue;
        error_ = std::strerror(errno);
        return false;
      }
    }
    ssize_t r = ::recv(fd_.get(), p, n, 0);
    if (r == 0) {
      error_ = "connection closed";
      errno = ECONNRESET;
      return false;
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      error_ = std::strerror(errno);
      return false;
    }
    p += r;
    n -= static_cast<size_t>(r);
    got_ += static_cast<size_t>(r);
  }
  return true;
}

bool Conn::recv(uint32_t& type, std::string& payload, int timeout_ms, uint32_t max_len) {
  if (!fd_) return false;
  uint32_t hdr[2];
  got_ = 0;
  if (!read_full(reinterpret_cast<char*>(hdr), 8, timeout_ms)) {
    if (got_ > 0) error_ = "truncated frame header (" + std::to_string(got_) + " of 8 bytes): " + error_;
    return false;
  }
  type = hdr[0];
  if (hdr[1] > max_len) {
    error_ = "frame of type " + std::to_string(type) + " announces " + std::to_string(hdr[1]) +
             " bytes, which exceeds the limit of " + std::to_string(max_len);
    return false;
  }
  // The buffer grows with what arrives (at most doubling it), not with what
  // the header announces: a peer that announces a large frame and sends
  // nothing costs nothing.
  got_ = 0;
  auto truncated = [&] {
    payload.resize(got_);
    error_ = "truncated frame of type " + std::to_string(type) + " (" + std::to_string(got_) + " of " +
             std::to_string(hdr[1]) + " bytes): " + error_;
    return false;
  };
  if (hdr[1] <= std::max(payload.capacity(), kRecvStep)) {
    // Fits what this buffer already holds (or one step): read it at once.
    payload.resize(hdr[1]);
    return read_full(payload.data(), hdr[1], timeout_ms) || truncated();
  }
  size_t done = 0;
  payload.clear();
  while (done < hdr[1]) {
    size_t step = recv_step(done, hdr[1]);
    payload.resize(done + step);
    if (!read_full(payload.data() + done, step, timeout_ms)) return truncated();
    done += step;
  }
  return true;
}

int listen_tcp(uint32_t ip, uint16_t port, int backlog) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return -1;
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(ip);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || ::listen(fd.get(), backlog) < 0)
    return -1;  // fd closes, errno kept
  return fd.release();
}

uint32_t peer_ip(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len) < 0 || sa.sin_family != AF_INET) return 0;
  return ntohl(sa.sin_addr.s_addr);
}

}  // namespace antler::net

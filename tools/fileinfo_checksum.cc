#include "tools/fileinfo_checksum.h"

#include <nettle/md5.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/status.h"

namespace antler::tools {

namespace {

std::string host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) < 0) return "?";
  return buf;
}

// The reason a receive failed, for "cs query: receive error (...)".
std::string recv_reason(const net::Conn& c, int timeout_ms) {
  if (c.last_error() == "timeout") return "no answer within " + std::to_string(timeout_ms / 1000) + " s";
  return c.last_error();
}

}  // namespace

Status ChecksumClient::open(net::Conn& conn, const msg::Location& loc, const std::string& where) {
  if (!conn.connect(loc.ip, loc.port, kConnectMs)) {
    int err = errno;
    return Status::from_errno("can't connect to chunkserver " + where, err);
  }
  msg::Hello hello;
  hello.role = msg::kRoleTool;
  hello.name = "mfsfileinfo on " + host();
  msg::HelloReply hr;
  uint32_t type = 0;
  std::string payload;
  Status s;
  if (!conn.send(hello)) {
    s = Status::error(where + ": cs query: send error (" + conn.last_send_error() + ")", St::kDisconnected);
  } else if (!conn.recv(type, payload, kConnectMs, 1u << 20)) {
    s = Status::error(where + " cs query: receive error (" + recv_reason(conn, kConnectMs) + ")", St::kDisconnected);
  } else if (type != msg::HelloReply::kType || !net::decode(payload, hr)) {
    s = Status::error(where + " cs query: wrong answer (type " + std::to_string(type) + ")", St::kProtocol);
  } else if (hr.status != St::kOk) {
    s = Status::error(where + " cs query: connection refused (" + hr.message + ")", hr.status);
  } else {
    return Status::ok_status();
  }
  conn.close();
  return s;
}

Result<ChecksumClient::Checksum> ChecksumClient::query(const msg::Location& loc, uint64_t id, uint32_t version) {
  std::string where = net::to_string(loc);
  Server& s = servers_[uint64_t{loc.ip} << 16 | loc.port];
  if (s.dead.ok() && !s.conn.connected()) s.dead = open(s.conn, loc, where);
  if (!s.dead.ok()) return s.dead;
  uint32_t type = 0;
  std::string payload;
  msg::CsChecksumReply r;
  if (!s.conn.send(msg::CsChecksum{id, version})) {
    s.dead = Status::error(where + ": cs query: send error (" + s.conn.last_send_error() + ")", St::kDisconnected);
  } else if (!s.conn.recv(type, payload, kAnswerMs, 1u << 20)) {
    s.dead =
        Status::error(where + " cs query: receive error (" + recv_reason(s.conn, kAnswerMs) + ")", St::kDisconnected);
  } else if (type != msg::CsChecksumReply::kType || !net::decode(payload, r)) {
    s.dead = Status::error(where + " cs query: wrong answer (type " + std::to_string(type) + ")", St::kProtocol);
  } else if (r.chunk_id != id) {
    s.dead = Status::error(where + " cs query: wrong answer (chunkid)", St::kProtocol);
  } else if (r.version != version) {
    s.dead = Status::error(where + " cs query: wrong answer (version)", St::kProtocol);
  } else if (r.status != St::kOk) {
    return Status::error(where + " cs query error: " + std::string(to_string(r.status)), r.status);
  } else if (r.digest.size() != MD5_DIGEST_SIZE) {
    s.dead = Status::error(where + " cs query: wrong answer (digest of " + std::to_string(r.digest.size()) + " bytes)",
                           St::kProtocol);
  } else {
    return Checksum{r.blocks, r.digest, r.bad_blocks};
  }
  s.conn.close();
  return s.dead;
}

std::string digest_hex(const std::string& digest) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string Signature::hex() const {
  md5_ctx ctx;
  md5_init(&ctx);
  md5_update(&ctx, digests_.size(), reinterpret_cast<const uint8_t*>(digests_.data()));
  std::string d(MD5_DIGEST_SIZE, '\0');
  md5_digest(&ctx, d.size(), reinterpret_cast<uint8_t*>(d.data()));
  return digest_hex(d);
}

}  // namespace antler::tools

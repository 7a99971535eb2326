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

bool ChecksumClient::open(Server& s, const msg::Location& loc, const std::string& where) {
  if (!s.conn.connect(loc.ip, loc.port, kConnectMs)) {
    s.dead = "can't connect to chunkserver " + where + ": " + std::strerror(errno);
    return false;
  }
  msg::Hello hello;
  hello.role = msg::kRoleTool;
  hello.name = "mfsfileinfo on " + host();
  msg::HelloReply hr;
  uint32_t type = 0;
  std::string payload;
  if (!s.conn.send(hello)) {
    s.dead = where + ": cs query: send error (" + s.conn.last_send_error() + ")";
  } else if (!s.conn.recv(type, payload, kConnectMs, 1u << 20)) {
    s.dead = where + " cs query: receive error (" + recv_reason(s.conn, kConnectMs) + ")";
  } else if (type != msg::HelloReply::kType || !net::decode(payload, hr)) {
    s.dead = where + " cs query: wrong answer (type " + std::to_string(type) + ")";
  } else if (hr.status != St::kOk) {
    s.dead = where + " cs query: connection refused (" + hr.message + ")";
  } else {
    return true;
  }
  s.conn.close();
  return false;
}

bool ChecksumClient::query(const msg::Location& loc, uint64_t id, uint32_t version, Result* out,
                           std::string* error) {
  std::string where = net::to_string(loc);
  Server& s = servers_[uint64_t{loc.ip} << 16 | loc.port];
  if (s.dead.empty() && !s.conn.connected()) open(s, loc, where);
  if (!s.dead.empty()) {
    *error = s.dead;
    return false;
  }
  uint32_t type = 0;
  std::string payload;
  msg::CsChecksumReply r;
  if (!s.conn.send(msg::CsChecksum{id, version})) {
    s.dead = where + ": cs query: send error (" + s.conn.last_send_error() + ")";
  } else if (!s.conn.recv(type, payload, kAnswerMs, 1u << 20)) {
    s.dead = where + " cs query: receive error (" + recv_reason(s.conn, kAnswerMs) + ")";
  } else if (type != msg::CsChecksumReply::kType || !net::decode(payload, r)) {
    s.dead = where + " cs query: wrong answer (type " + std::to_string(type) + ")";
  } else if (r.chunk_id != id) {
    s.dead = where + " cs query: wrong answer (chunkid)";
  } else if (r.version != version) {
    s.dead = where + " cs query: wrong answer (version)";
  } else if (r.status != St::kOk) {
    *error = where + " cs query error: " + std::string(to_string(r.status));
    return false;
  } else if (r.digest.size() != MD5_DIGEST_SIZE) {
    s.dead = where + " cs query: wrong answer (digest of " + std::to_string(r.digest.size()) + " bytes)";
  } else {
    out->blocks = r.blocks;
    out->digest = r.digest;
    out->bad_blocks = r.bad_blocks;
    return true;
  }
  s.conn.close();
  *error = s.dead;
  return false;
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

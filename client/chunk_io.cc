#include "client/chunk_io.h"

#include <cstring>

#include "common/crc.h"
#include "common/log.h"
#include "common/msg/base.h"
#include "common/msg/data.h"

namespace antler::client {

bool ChunkIO::get(const msg::Location& loc, net::Conn* out) {
  {
    MutexLock l(&mu_);
    auto& v = idle_[{loc.ip, loc.port}];
    if (!v.empty()) {
      *out = std::move(v.back());
      v.pop_back();
      return true;
    }
  }
  net::Conn c;
  if (!c.connect(loc.ip, loc.port, timeout_ms_)) return false;
  msg::Hello h;
  h.role = msg::kRoleClient;
  msg::HelloReply r;
  if (!c.send(h) || !c.recv_as(r, timeout_ms_) || r.status != St::kOk) return false;
  *out = std::move(c);
  return true;
}

void ChunkIO::put(const msg::Location& loc, net::Conn conn) {
  MutexLock l(&mu_);
  auto& v = idle_[{loc.ip, loc.port}];
  if (v.size() < 16) v.push_back(std::move(conn));
}

St ChunkIO::read(const msg::Location& loc, uint64_t chunk_id, uint32_t version, const std::string& token,
                 uint32_t offset, uint32_t size, char* out) {
  net::Conn c;
  if (!get(loc, &c)) return St::kDisconnected;
  if (!c.send(msg::CsRead{chunk_id, version, offset, size, token})) return St::kDisconnected;
  std::memset(out, 0, size);
  for (;;) {
    uint32_t type;
    std::string payload;
    if (!c.recv(type, payload, timeout_ms_)) return St::kDisconnected;
    if (type == msg::CsReadData::kType) {
      msg::CsReadData d;
      if (!net::decode(payload, d) || d.chunk_id != chunk_id || d.offset < offset ||
          uint64_t(d.offset) + d.data.size() > uint64_t(offset) + size) {
        return St::kProtocol;
      }
      if (crc32c(d.data.data(), d.data.size()) != d.crc) return St::kCrc;
      d.data.copy(out + (d.offset - offset), d.data.size());
    } else if (type == msg::CsReadStatus::kType) {
      msg::CsReadStatus s;
      if (!net::decode(payload, s)) return St::kProtocol;
      if (s.status == St::kOk) put(loc, std::move(c));
      return s.status;
    } else {
      return St::kProtocol;
    }
  }
}

void append_write_data_frame(uint64_t chunk_id, uint32_t write_id, uint32_t offset, const char* data, uint32_t size,
                             std::string& out) {
  // Exactly what net::append_frame(CsWriteData{...}) writes, without
  // copying the data twice (codec_test checks the two agree).
  size_t at = out.size();
  uint32_t hdr[2] = {msg::CsWriteData::kType, 8 + 4 + 4 + 4 + 4 + size};
  out.reserve(at + 8 + hdr[1]);
  out.append(reinterpret_cast<const char*>(hdr), 8);
  serde::Writer w(out);
  w.put(chunk_id);
  w.put(write_id);
  w.put(offset);
  w.put(crc32c(data, size));
  w.put(size);
  out.append(data, size);
}

St ChunkIO::write(const std::vector<msg::Location>& chain, uint64_t chunk_id, uint32_t version,
                  const std::string& token, const std::vector<Piece>& pieces, bool fsync) {
  if (chain.empty()) return St::kNoChunkServers;
  net::Conn c;
  if (!get(chain[0], &c)) return St::kDisconnected;
  msg::CsWriteInit init{chunk_id, version, std::vector<msg::Location>(chain.begin() + 1, chain.end()), token};
  msg::CsWriteStatus ws;
  if (!c.send(init) || !c.recv_as(ws, timeout_ms_)) return St::kDisconnected;
  if (ws.status != St::kOk) return ws.status;

  uint32_t sent = 0, acked = 0;
  St result = St::kOk;
  auto read_ack = [&]() -> bool {
    msg::CsWriteStatus a;
    if (!c.recv_as(a, timeout_ms_)) {
      result = St::kDisconnected;
      return false;
    }
    acked++;
    if (a.status != St::kOk && result == St::kOk) result = a.status;
    return true;
  };
  std::string frame;
  for (const Piece& p : pieces) {
    uint32_t done = 0;
    while (done < p.size) {
      uint32_t off = p.offset + done;
      uint32_t room = msg::kBlockSize - off % msg::kBlockSize;
      uint32_t n = std::min(room, p.size - done);
      frame.clear();
      append_write_data_frame(chunk_id, ++sent, off, p.data + done, n, frame);
      if (!c.send_raw(frame)) return St::kDisconnected;
      done += n;
      while (sent - acked > 256)
        if (!read_ack()) return result;
    }
  }
  while (acked < sent)
    if (!read_ack()) return result;
  if (!c.send(msg::CsWriteEnd{chunk_id, fsync})) return St::kDisconnected;
  msg::CsWriteStatus end;
  if (!c.recv_as(end, timeout_ms_)) return St::kDisconnected;
  if (end.status != St::kOk && result == St::kOk) result = end.status;
  if (result == St::kOk) put(chain[0], std::move(c));
  return result;
}

}  // namespace antler::client

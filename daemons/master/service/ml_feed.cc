#include "daemons/master/service/ml_feed.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "common/log.h"
#include "common/msg/metalogger.h"
#include "common/net.h"

namespace antler::master {

namespace {

constexpr size_t kPiece = 1u << 20;  // bytes of image or lines per frame

// changelog.N.mfs of dir (the master's own), oldest (highest N) first.
std::vector<std::string> master_changelogs(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& [n, path] : changelog_files(dir, "changelog")) out.push_back(path);
  std::reverse(out.begin(), out.end());
  return out;
}

// The lines of versions (from, end] from the master's changelogs, as
// MlLines frames appended to out; false (and why) if some are missing.
bool read_lines(const std::string& dir, uint64_t from, uint64_t end, std::vector<std::string>* out, std::string* why) {
  uint64_t next = from + 1;
  std::string batch;
  uint64_t batch_first = 0;
  auto flush = [&] {
    if (batch.empty()) return;
    out->push_back(net::frame(msg::MlLines{batch_first, std::move(batch)}));
    batch.clear();
  };
  for (const std::string& f : master_changelogs(dir)) {
    std::ifstream in(f);
    std::string line;
    while (next <= end && std::getline(in, line)) {
      if (in.eof()) break;  // no '\n': a line being written (after end) or torn
      uint64_t v = std::strtoull(line.c_str(), nullptr, 10);
      if (v < next) continue;
      if (v > end) break;
      if (v > next) {
        *why = f + " jumps from version " + std::to_string(next - 1) + " to " + std::to_string(v);
        return false;
      }
      if (batch.empty()) batch_first = v;
      batch += line;
      batch += '\n';
      next++;
      if (batch.size() >= kPiece) flush();
    }
  }
  flush();
  if (next <= end) {
    *why = "the changelogs kept here hold versions up to " + std::to_string(next - 1) + ", not " + std::to_string(end) +
           (next == from + 1 ? " (none after " + std::to_string(from) + ")" : "");
    return false;
  }
  return true;
}

// What a metalogger at version `from` is sent to reach `end`: the reply,
// then lines, or an image and lines. Runs on a catch-up thread.
std::vector<std::string> catch_up(const std::string& dir, uint64_t from, uint64_t end, uint64_t cluster_id,
                                  std::string* error, uint8_t* start) {
  std::vector<std::string> frames;
  std::string why;
  // A rotation (an image save) renames the files under us: look again.
  for (int attempt = 0; attempt < 3 && from > 0; attempt++) {
    frames.clear();
    frames.push_back(net::frame(msg::MlRegisterReply{St::kOk, "", cluster_id, end, msg::kMlFollow}));
    if (read_lines(dir, from, end, &frames, &why)) {
      *start = msg::kMlFollow;
      return frames;
    }
  }
  std::string img = dir + "/metadata.mfs";
  for (int attempt = 0; attempt < 3; attempt++) {
    frames.clear();
    Result<uint64_t> v = Fs::image_version(img);
    std::ifstream in(img, std::ios::binary | std::ios::ate);
    uint64_t size = in ? static_cast<uint64_t>(in.tellg()) : 0;
    if (!v || size == 0) {
      why = img + ": " + (v ? std::string("unreadable") : v.status().message());
      continue;
    }
    if (*v > end) {  // saved after this catch-up began: its lines are all newer
      why = img + " is newer than the catch-up";
      continue;
    }
    frames.push_back(net::frame(msg::MlRegisterReply{St::kOk, "", cluster_id, end, msg::kMlImage}));
    in.seekg(0);
    std::string piece;
    for (uint64_t off = 0; in && off < size; off += piece.size()) {
      piece.resize(static_cast<size_t>(std::min<uint64_t>(kPiece, size - off)));
      in.read(piece.data(), static_cast<std::streamsize>(piece.size()));
      frames.push_back(net::frame(msg::MlImage{*v, size, off, piece}));
    }
    // Read whole, and not replaced by a newer save meanwhile.
    Result<uint64_t> after = Fs::image_version(img);
    if (!in || !after || *after != *v) {
      why = img + " changed while it was read";
      continue;
    }
    if (read_lines(dir, *v, end, &frames, &why)) {
      *start = msg::kMlImage;
      return frames;
    }
  }
  *error = why;
  return {};
}

}  // namespace

MlFeed::~MlFeed() {
  stopping_->store(true);
  for (Worker& w : workers_)
    if (w.thread.joinable()) w.thread.join();
}

void MlFeed::reap_threads() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool MlFeed::on_frame(const LinkPtr& link, uint32_t type, std::string_view payload) {
  if (!link->authenticated) {
    if (type == msg::Hello::kType) return on_hello(link, payload);
    log::warn("metalogger {}: expected a handshake, got message type {} ({} bytes): closing connection", link->peer,
              type, payload.size());
    return false;
  }
  auto it = peers_.find(link->id);
  if (type == msg::MlRegister::kType && it == peers_.end()) return on_register(link, payload);
  if (type == msg::MlAck::kType && it != peers_.end()) {
    msg::MlAck a;
    if (!net::decode(payload, a) || a.version > it->second.info.sent) {
      log::warn("metalogger {}: bad acknowledgement (version {} of {} sent): closing connection", link->peer, a.version,
                it->second.info.sent);
      return false;
    }
    it->second.info.acked = std::max(it->second.info.acked, a.version);
    it->second.info.image_version = a.image_version;
    it->second.info.image_time_s = a.image_time_s;
    acks_changed();
    return true;
  }
  log::warn("metalogger {}: unexpected message type {} ({} bytes): closing connection", link->peer, type,
            payload.size());
  return false;
}

bool MlFeed::on_hello(const LinkPtr& link, std::string_view payload) {
  msg::Hello h;
  if (!net::decode(payload, h) || h.role != msg::kRoleMetalogger) {
    log::warn("metalogger {}: not a metalogger's handshake: closing connection", link->peer);
    return false;
  }
  msg::HelloReply r{St::kOk, msg::kProtocolVersion, 0, fs_.cluster_id(), fs_.version(), ""};
  if (h.cluster_id != 0 && h.cluster_id != fs_.cluster_id()) {
    r.status = St::kPerm;
    r.message = fmt::format("this metalogger follows cluster {:016x}; this master serves cluster {:016x}", h.cluster_id,
                            fs_.cluster_id());
  } else if (epoch_check_ && !epoch_check_(h, link, "metalogger", &r)) {
    // r says why
  } else if (h.meta_version > fs_.version()) {
    r.status = St::kPerm;
    r.message = fmt::format("this metalogger holds metadata version {}, newer than this master's {}", h.meta_version,
                            fs_.version());
  }
  link->send(net::frame(r));
  if (r.status != St::kOk) {
    log::warn("metalogger {} refused: {}", link->peer, r.message);
    return false;
  }
  link->authenticated = true;
  return true;
}

bool MlFeed::on_register(const LinkPtr& link, std::string_view payload) {
  msg::MlRegister m;
  if (!net::decode(payload, m)) return false;
  uint64_t end = fs_.version();
  if (m.version > end) {
    link->send(net::frame(
        msg::MlRegisterReply{St::kPerm, "metalogger is ahead of this master", fs_.cluster_id(), end, msg::kMlFollow}));
    return false;
  }
  Peer& p = peers_[link->id];
  p.link = link;
  p.info.peer = link->peer;
  p.info.ip = link->peer_ip;
  if (size_t colon = link->peer.rfind(':'); colon != std::string::npos)
    p.info.port = static_cast<uint16_t>(std::strtoul(link->peer.c_str() + colon + 1, nullptr, 10));
  p.info.version = m.version_text.substr(0, 64);
  p.info.acked = m.version;
  p.info.sent = m.version;
  p.info.since_ms = loop_.now_ms();
  acks_changed();
  if (m.version == end && m.version != 0) {  // version 0 asks for an image, even of an empty file system
    link->send(net::frame(msg::MlRegisterReply{St::kOk, "", fs_.cluster_id(), end, msg::kMlFollow}));
    p.info.live = true;
    log::info("metalogger {} ({}) connected at version {}: following", link->peer, p.info.version, end);
    return true;
  }
  reap_threads();
  auto done = std::make_shared<std::atomic<bool>>(false);
  uint64_t from = m.version, cluster = fs_.cluster_id(), id = link->id;
  std::string dir = dir_;
  auto stopping = stopping_;
  Loop* loop = &loop_;
  workers_.push_back(
      {std::thread([this, loop, dir, from, end, cluster, id, done, stopping] {
         std::string error;
         uint8_t start = msg::kMlFollow;
         std::vector<std::string> frames = catch_up(dir, from, end, cluster, &error, &start);
         if (!stopping->load())
           loop->post([this, id, frames = std::move(frames), error, start, from, end]() mutable {
             auto it = peers_.find(id);
             if (it == peers_.end()) return;  // gone meanwhile
             Peer& p = it->second;
             if (!error.empty()) {
               p.link->close("metalogger catch-up from version " + std::to_string(from) + " failed: " + error);
               return;
             }
             for (std::string& f : frames) p.link->send(std::move(f));
             if (!p.pending.empty()) p.link->send(net::frame(msg::MlLines{p.pending_first, std::move(p.pending)}));
             p.pending.clear();
             p.pending_first = 0;
             p.info.sent = std::max(end, p.info.sent);
             p.info.live = true;
             log::info("metalogger {} ({}) caught up from version {} to {}{}: following", p.info.peer, p.info.version,
                       from, end, start == msg::kMlImage ? " with an image" : " from the changelogs");
           });
         done->store(true);
       }),
       done});
  return true;
}

void MlFeed::on_line(uint64_t version, const std::string& line) {
  if (peers_.empty()) return;
  std::vector<LinkPtr> behind;
  for (auto& [id, p] : peers_) {
    if (p.pending.size() + line.size() > kMaxPending) {
      behind.push_back(p.link);
    } else {
      if (p.pending.empty()) p.pending_first = version;
      p.pending += line;
      p.info.sent = version;
    }
  }
  for (const LinkPtr& l : behind)
    l->close("metalogger fell " + std::to_string(kMaxPending >> 20) + " MiB behind while catching up");
  if (!flush_posted_) {
    flush_posted_ = true;
    loop_.post([this] { flush(); });
  }
}

void MlFeed::flush() {
  flush_posted_ = false;
  for (auto& [id, p] : peers_) {
    if (!p.info.live || p.pending.empty()) continue;
    p.link->send(net::frame(msg::MlLines{p.pending_first, std::move(p.pending), sync_}));
    p.pending.clear();
    p.pending_first = 0;
  }
}

void MlFeed::tick() {
  for (auto& [id, p] : peers_)
    if (p.info.live) p.link->send(net::frame(msg::MlLines{fs_.version() + 1, "", sync_}));
}

void MlFeed::on_close(const LinkPtr& link) {
  auto it = peers_.find(link->id);
  if (it == peers_.end()) return;
  log::info("metalogger {} disconnected (it had version {} on disk)", link->peer, it->second.info.acked);
  peers_.erase(it);
  acks_changed();
}

std::vector<MlFeed::PeerInfo> MlFeed::peers() const {
  std::vector<PeerInfo> out;
  for (const auto& [id, p] : peers_) out.push_back(p.info);
  std::sort(out.begin(), out.end(), [](const PeerInfo& a, const PeerInfo& b) { return a.peer < b.peer; });
  return out;
}

std::vector<uint64_t> MlFeed::acked() const {
  std::vector<uint64_t> out;
  out.reserve(peers_.size());
  for (const auto& [id, p] : peers_) out.push_back(p.info.acked);
  return out;
}

}  // namespace antler::master

#include "daemons/metalogger/metalogger.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "common/epoch.h"
#include "common/log.h"
#include "common/msg/metalogger.h"
#include "daemons/master/fs/ops.h"

namespace antler::ml {

namespace {

int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int64_t wall_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

Status fsync_dir(const std::string& dir) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d || ::fsync(d.get()) < 0) return Status::from_errno(dir + ": fsync", errno);
  return Status();
}

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Metalogger::~Metalogger() {
  stop();
  wait();
}

Status Metalogger::open() {
  std::string img = path("metadata_ml.mfs.back");
  if (exists(img)) {
    if (Status s = fs_->load_image(img); !s.ok()) {
      log::warn("{}; a fresh image will be downloaded", s.message());
      fs_ = std::make_unique<master::Fs>();
    } else {
      version_ = image_version_ = fs_->version();
      need_image_ = false;
      struct stat st {};
      if (::stat(img.c_str(), &st) == 0) image_time_s_ = st.st_mtime;
    }
  }
  // The lines after the image, oldest file first, as long as they follow
  // on; what does not is left for the next image to replace.
  auto logs = master::changelog_files(s_.data_path, "changelog_ml");
  uint64_t applied = 0;
  for (auto it = logs.rbegin(); it != logs.rend() && !need_image_; ++it) {
    std::ifstream in(it->second);
    std::string line;
    while (std::getline(in, line) && !need_image_) {
      if (in.eof()) break;  // torn: cut below
      uint64_t v = std::strtoull(line.c_str(), nullptr, 10);
      if (v <= version_) continue;
      auto l = master::parse_line(line);
      if (v != version_ + 1 || !l || fs_->apply(l->op, l->time_ns) != St::kOk) {
        log::warn(
            "{}: version {} does not follow version {} of the metalogger's copy; a fresh image will be "
            "downloaded",
            it->second, v, version_);
        need_image_ = true;
        break;
      }
      fs_->set_version(v);
      version_ = v;
      applied++;
    }
  }
  if (need_image_) {
    fs_ = std::make_unique<master::Fs>();
    version_ = 0;
  } else {
    log::info("resuming at metadata version {} ({} from {}, {} changelog lines after it)", version_, img,
              fs_->version() - applied, applied);
  }
  synced_ = version_;
  image_saved_s_ = now_s();
  return open_changelog();
}

// Opens changelog_ml.0.mfs for appending; a torn last line (a write cut by a
// crash, never acknowledged) is cut off first.
Status Metalogger::open_changelog() {
  std::string p = path("changelog_ml.0.mfs");
  log_ = UniqueFd(::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log_) return Status::from_errno(p, errno);
  // Only the tail is read: back from the end to the last '\n'.
  off_t end = ::lseek(log_.get(), 0, SEEK_END), keep = end;
  UniqueFd r(end > 0 ? ::open(p.c_str(), O_RDONLY | O_CLOEXEC) : -1);
  char buf[65536];
  while (r && keep > 0) {
    off_t from = std::max<off_t>(0, keep - static_cast<off_t>(sizeof buf));
    ssize_t n = ::pread(r.get(), buf, static_cast<size_t>(keep - from), from);
    if (n != keep - from) return Status::from_errno(p + ": read", n < 0 ? errno : EIO);
    const char* nl = static_cast<const char*>(::memrchr(buf, '\n', static_cast<size_t>(n)));
    if (nl) {
      keep = from + (nl - buf) + 1;
      break;
    }
    keep = from;
  }
  if (keep < end) {
    log::warn("{}: cutting an incomplete last line ({} bytes)", p, end - keep);
    if (::ftruncate(log_.get(), keep) < 0) return Status::from_errno(p + ": ftruncate", errno);
  }
  log_opened_s_ = now_s();
  return Status();
}

Status Metalogger::rotate_changelogs() {
  if (log_ && ::fsync(log_.get()) < 0) return Status::from_errno(path("changelog_ml.0.mfs") + ": fsync", errno);
  log_.reset();
  auto logs = master::changelog_files(s_.data_path, "changelog_ml");
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) {
    if (it->first >= s_.back_logs) {
      ::unlink(it->second.c_str());
      continue;
    }
    std::string to = path("changelog_ml." + std::to_string(it->first + 1) + ".mfs");
    if (::rename(it->second.c_str(), to.c_str()) < 0) return Status::from_errno(it->second + ": rename", errno);
  }
  return open_changelog();
}

Status Metalogger::install_image(const std::string& tmp) {
  std::string img = path("metadata_ml.mfs.back");
  if (s_.back_meta_keep_previous > 0 && exists(img)) {
    for (int i = s_.back_meta_keep_previous - 1; i >= 1; i--) {
      std::string from = img + "." + std::to_string(i);
      if (exists(from)) ::rename(from.c_str(), (img + "." + std::to_string(i + 1)).c_str());
    }
    if (::rename(img.c_str(), (img + ".1").c_str()) < 0) return Status::from_errno(img + ": rename", errno);
  }
  if (::rename(tmp.c_str(), img.c_str()) < 0) return Status::from_errno(tmp + ": rename", errno);
  return fsync_dir(s_.data_path);
}

Status Metalogger::save_own_image() {
  std::string tmp = path("metadata_ml.tmp");
  if (Status s = fs_->save_image(tmp); !s.ok()) return s;
  if (Status s = install_image(tmp); !s.ok()) return s;
  image_saved_s_ = now_s();
  image_version_ = version_;
  image_time_s_ = wall_s();
  publish([&](Figures& f) {
    f.image_version = image_version_;
    f.image_time_s = image_time_s_;
  });
  log::info("saved metadata_ml.mfs.back at version {}", version_);
  return Status();
}

void Metalogger::start() {
  thread_ = std::thread([this] { run(); });
}

void Metalogger::stop() {
  stop_ = true;
  cv_.notify_all();
  int fd = fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

void Metalogger::wait() {
  if (thread_.joinable()) thread_.join();
}

void Metalogger::sleep_s(int s) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::seconds(s), [this] { return stop_.load(); });
}

void Metalogger::run() {
  std::string where = s_.master_host + ":" + std::to_string(s_.master_port);
  std::string last_why;
  while (!stop_) {
    uint32_t ip = 0;
    std::string why;
    net::Conn c;
    if (!net::resolve_ipv4(s_.master_host, ip)) {
      why = "cannot resolve MASTER_HOST '" + s_.master_host + "'";
    } else if (!c.connect(ip, s_.master_port, s_.timeout_s * 1000, bind_ip_)) {
      why = std::string("cannot connect: ") + std::strerror(errno);
    } else {
      fd_ = c.fd();
      if (stop_) break;
      why = session(c);
      fd_ = -1;
      publish([&](Figures& f) {
        f.connected = f.following = false;
        f.sessions++;
      });
      // What the session applied is written before anything else happens:
      // the disk must never miss a line the copy in memory holds.
      if (Status s = write_batch(); !s.ok()) {
        log::error("{}; the next connection starts over from an image", s.message());
        need_image_ = true;
      }
    }
    if (stop_) break;
    // A disk that cannot be written would make every session fail after
    // the master sent its image: wait longer each time (up to a minute)
    // until it can, rather than have the master send it every few seconds.
    int delay = s_.reconnection_delay_s;
    if (Status d = probe_disk(); !d.ok()) {
      disk_failures_ = std::min(disk_failures_ + 1, 6);
      delay = std::max(delay, std::min(60, delay << disk_failures_));
      log::error("DATA_PATH {} cannot be written ({}); next try in {} s", s_.data_path, d.message(), delay);
    } else {
      disk_failures_ = 0;
    }
    publish([&](Figures& f) { f.last_error = why; });
    if (why != last_why) log::warn("master {}: {}; retrying every {} s", where, why, s_.reconnection_delay_s);
    last_why = why;
    sleep_s(delay);
  }
  if (Status s = write_batch(); !s.ok()) log::error("{}", s.message());
}

Status Metalogger::probe_disk() {
  std::string p = path(".probe");
  UniqueFd f(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!f) return Status::from_errno(p, errno);
  Status s = write_all(f.get(), "probe\n");
  if (s.ok() && ::fsync(f.get()) < 0) s = Status::from_errno(p + ": fsync", errno);
  f.reset();
  ::unlink(p.c_str());
  return s;
}

std::string Metalogger::session(net::Conn& c) {
  int timeout_ms = s_.timeout_s * 1000;
  msg::Hello h;
  h.role = msg::kRoleMetalogger;
  // 0 only when it holds no metadata; an image of version 0 still names
  // its cluster, and a master of another cluster must not overwrite it.
  h.cluster_id = fs_->cluster_id();
  h.meta_version = version_;
  h.name = "mfsmetalogger";
  Epoch mine{version_ ? fs_->epoch() : 0, version_ ? fs_->epoch_id() : 0};
  h.epoch = mine.epoch;
  h.epoch_id = mine.id;
  msg::HelloReply hr;
  if (!c.send(h) || !c.recv_as(hr, timeout_ms)) return "no handshake: " + c.last_error();
  if (hr.status != St::kOk) return "refused this metalogger: " + hr.message;
  if (std::string why = epoch_refusal(mine, {hr.epoch, hr.epoch_id}); !why.empty()) return why;
  if (hr.epoch > mine.epoch && version_ != 0 && !need_image_) {
    // A master promoted since: the lines this metalogger has past the
    // promotion may be of the old master's history. Start over from its image.
    log::info(
        "the master has cluster epoch {} (this metalogger's metadata has {}): a promoted master; downloading "
        "its image",
        hr.epoch, mine.epoch);
    need_image_ = true;
  }
  msg::MlRegister reg{need_image_ ? 0 : version_, ANTLER_VERSION};
  msg::MlRegisterReply rr;
  if (!c.send(reg) || !c.recv_as(rr, std::max(timeout_ms, 60000)))
    return "registration not answered: " + c.last_error();
  if (rr.status != St::kOk) return "refused the registration: " + rr.message;
  log::info("connected to master (metadata version {}); this metalogger is at {}{}", rr.master_version, version_,
            rr.start == msg::kMlImage ? ": downloading an image" : "");
  publish([&](Figures& f) {
    f.connected = true;
    f.master_version = rr.master_version;
    f.caught_up_ms = now_ms();  // the lag clock starts now
  });
  if (rr.start == msg::kMlImage) {
    if (std::string why = receive_image(c); !why.empty()) return why;
    // The image is on disk: it counts at once (a synchronous master may be
    // waiting for these versions, and sends no line until it has them).
    if (!c.send(msg::MlAck{synced_, image_version_, image_time_s_}))
      return "acknowledgement not sent: " + c.last_send_error();
    publish([&](Figures& f) {
      f.images++;
      f.synced = synced_;
      f.image_version = image_version_;
      f.image_time_s = image_time_s_;
      f.epoch = fs_->epoch();
    });
  } else if (need_image_) {
    return "the master offered lines where an image was asked for";
  }
  uint32_t type;
  std::string payload;
  for (;;) {
    if (stop_) return "stopping";
    if (now_s() - log_opened_s_ >= 3600) {
      if (Status s = rotate_changelogs(); !s.ok()) return s.message();
    }
    if (now_s() - image_saved_s_ >= int64_t{s_.meta_download_freq_h} * 3600) {
      if (Status s = save_own_image(); !s.ok()) log::error("metadata_ml.mfs.back not saved: {}", s.message());
    }
    if (!c.recv(type, payload, timeout_ms)) return "connection lost: " + c.last_error();
    if (type != msg::MlLines::kType) return "unexpected message type " + std::to_string(type);
    msg::MlLines m;
    if (!net::decode(payload, m)) return "undecodable lines";
    sync_ = m.sync;
    publish([&](Figures& f) {
      f.following = true;
      f.master_version = std::max(f.master_version, m.first - 1);
      if (m.text.empty() && synced_ >= f.master_version) f.caught_up_ms = now_ms();  // a heartbeat, nothing new
    });
    if (std::string why = take_lines(m.first, m.text); !why.empty()) {
      if (!sync_and_ack(c).ok()) need_image_ = true;
      return why;
    }
    // More coming: take it first, one fsync for all (group commit; see
    // kGroupMs).
    if (version_ != synced_) {
      int64_t now = now_ms();
      if (burst_start_ms_ == 0) burst_start_ms_ = now;
      pollfd p{c.fd(), POLLIN, 0};
      bool more = (now - burst_start_ms_ < kGroupMaxMs) && (::poll(&p, 1, sync_ ? 0 : kGroupMs) > 0);
      if (more) continue;
    }
    burst_start_ms_ = 0;
    if (Status s = sync_and_ack(c); !s.ok()) {
      need_image_ = true;  // the copy in memory is ahead of the disk's: start over from an image
      return s.message();
    }
  }
}

std::string Metalogger::receive_image(net::Conn& c) {
  std::string tmp = path("metadata_ml.tmp");
  UniqueFd f(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!f) return Status::from_errno(tmp, errno).message();
  uint64_t got = 0, version = 0, size = 0;
  for (;;) {
    msg::MlImage m;
    if (!c.recv_as(m, std::max(s_.timeout_s * 1000, 60000))) return "image download cut: " + c.last_error();
    if (got == 0) {
      version = m.version;
      size = m.size;
    }
    if (m.offset != got || m.version != version || m.size != size || got + m.data.size() > size)
      return "image pieces out of order";
    if (Status s = write_all(f.get(), m.data); !s.ok()) return tmp + ": " + s.message();
    got += m.data.size();
    if (got == size) break;
  }
  if (::fsync(f.get()) < 0) return Status::from_errno(tmp + ": fsync", errno).message();
  f.reset();
  auto fresh = std::make_unique<master::Fs>();
  if (Status s = fresh->load_image(tmp); !s.ok()) return "downloaded image unusable: " + s.message();
  if (Status s = install_image(tmp); !s.ok()) return s.message();
  // The changelogs here are older than the image, or from a history it
  // replaces: gone, so that `mfsmaster -a` sees one history.
  log_.reset();
  for (const auto& [n, p] : master::changelog_files(s_.data_path, "changelog_ml")) ::unlink(p.c_str());
  if (Status s = open_changelog(); !s.ok()) return s.message();
  fs_ = std::move(fresh);
  batch_.clear();  // lines of the history the image replaces
  version_ = synced_ = version;
  need_image_ = false;
  image_saved_s_ = now_s();
  image_version_ = version;
  image_time_s_ = wall_s();
  log::info("downloaded metadata image, version {} ({} bytes)", version, size);
  return "";
}

std::string Metalogger::take_lines(uint64_t first, const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return "a line without its end";
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    uint64_t v = std::strtoull(std::string(line.substr(0, 24)).c_str(), nullptr, 10);
    if (v <= version_) continue;  // had it
    if (v != version_ + 1)
      return "gap in the changelog: version " + std::to_string(version_ + 1) + " missing (got " + std::to_string(v) +
             "); asking again";
    auto l = master::parse_line(line);
    St st = l ? fs_->apply(l->op, l->time_ns) : St::kInval;
    if (st != St::kOk) {
      need_image_ = true;
      return "version " + std::to_string(v) + " does not apply to this metalogger's copy (" +
             (l ? std::string(to_string(st)) : l.status().message()) + "); downloading a fresh image";
    }
    fs_->set_version(v);
    fs_->released_chunks().clear();
    version_ = v;
    batch_.append(line);
    batch_ += '\n';
  }
  (void)first;
  return "";
}

Status Metalogger::write_batch() {
  if (!batch_.empty()) {
    std::string b = std::move(batch_);
    batch_.clear();
    if (Status s = write_all(log_.get(), b); !s.ok()) return Status::error("changelog_ml.0.mfs: " + s.message());
  }
  if (version_ == synced_) return Status();
  auto t0 = std::chrono::steady_clock::now();
  if (::fsync(log_.get()) < 0) return Status::from_errno("changelog_ml.0.mfs: fsync", errno);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uint64_t lines = version_ - synced_;
  synced_ = version_;
  publish([&](Figures& f) {
    f.fsync.observe(took);
    f.lines += lines;
    f.synced = synced_;
    f.master_version = std::max(f.master_version, synced_);
    f.epoch = fs_->epoch();
    if (synced_ >= f.master_version) f.caught_up_ms = now_ms();
  });
  return Status();
}

Status Metalogger::sync_and_ack(net::Conn& c) {
  bool had = version_ != synced_;
  if (Status s = write_batch(); !s.ok()) return s;
  if (!had) return Status();
  if (!c.send(msg::MlAck{synced_, image_version_, image_time_s_}))
    return Status::error("acknowledgement not sent: " + c.last_send_error());
  return Status();
}

}  // namespace antler::ml

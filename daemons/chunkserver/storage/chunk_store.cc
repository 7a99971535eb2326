#include "daemons/chunkserver/storage/chunk_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/crc.h"
#include "common/fd.h"
#include "common/log.h"

namespace antler::cs {

using msg::kBlockSize;
using msg::kBlocksPerChunk;
using msg::kChunkSize;

struct ChunkStore::Chunk {
  uint64_t id = 0;
  std::atomic<int> disk{0};  // written under mu (disk moves), read anywhere
  std::atomic<uint32_t> version{0};
  std::atomic<uint32_t> length{0};
  std::mutex mu;
  // Under mu:
  bool deleted = false;
  int users = 0;  // open handles
  UniqueFd fd;
  std::unique_ptr<uint32_t[]> crc;  // kBlocksPerChunk entries while open
};

struct ChunkStore::Disk {
  DiskSpec spec;
  UniqueFd lock_fd;               // flock()ed while the store runs
  std::atomic<int64_t> bytes{0};  // header + data of the chunks on it
  std::atomic<uint32_t> chunks{0};
  std::atomic<uint64_t> errors{0};
  // Set once, by io_error() (which may hold a chunk mutex, so it cannot
  // drop the chunks itself: take_failed_chunks() does, under the store mutex).
  std::atomic<bool> failed{false};
  // Set by io_error() on ENOSPC/EDQUOT, cleared by refresh_space() once a
  // chunk fits again. Not an error: the disk stays in service.
  std::atomic<bool> full{false};
  bool chunks_taken = false;  // under the store mutex
  mutable std::mutex mu;      // guards the sizes and error times below
  uint64_t total = 0, used = 0, avail = 0;
  std::vector<int64_t> error_times;  // steady seconds of recent I/O errors
  // I/O statistics (DiskIo), and the longest operations since take_io_max().
  std::atomic<uint64_t> rbytes{0}, wbytes{0}, rops{0}, wops{0}, fsyncs{0}, r_us{0}, w_us{0}, fsync_us{0};
  std::atomic<uint32_t> r_max{0}, w_max{0}, fsync_max{0};
};

namespace {

// Times one data operation of a disk into its statistics.
class IoTimer {
 public:
  enum Kind { kRead, kWrite, kFsync };
  IoTimer(ChunkStore::Disk& d, Kind k, uint64_t bytes)
      : d_(d), k_(k), bytes_(bytes), t0_(std::chrono::steady_clock::now()) {}
  ~IoTimer() {
    auto us = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0_).count());
    auto raise = [](std::atomic<uint32_t>& m, uint64_t v) {
      uint32_t cur = m.load(std::memory_order_relaxed), nv = static_cast<uint32_t>(std::min<uint64_t>(v, UINT32_MAX));
      while (cur < nv && !m.compare_exchange_weak(cur, nv, std::memory_order_relaxed)) {}
    };
    switch (k_) {
      case kRead: d_.rbytes += bytes_, d_.rops++, d_.r_us += us, raise(d_.r_max, us); break;
      case kWrite: d_.wbytes += bytes_, d_.wops++, d_.w_us += us, raise(d_.w_max, us); break;
      case kFsync: d_.fsyncs++, d_.fsync_us += us, raise(d_.fsync_max, us); break;
    }
  }

 private:
  ChunkStore::Disk& d_;
  Kind k_;
  uint64_t bytes_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace

namespace {

constexpr size_t kNameLen = 35;  // chunk_ + 16 + _ + 8 + .mfs

char hex_digit(unsigned v) { return "0123456789ABCDEF"[v & 15]; }

std::string hex(uint64_t v, int digits) {
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; i--, v >>= 4) s[static_cast<size_t>(i)] = hex_digit(static_cast<unsigned>(v));
  return s;
}

bool parse_hex(const char* p, size_t n, uint64_t& out) {
  out = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return false;
    out = out << 4 | d;
  }
  return true;
}

// Parses "chunk_<16 hex>_<8 hex>.mfs".
bool parse_name(const char* name, uint64_t& id, uint32_t& version) {
  if (std::strlen(name) != kNameLen || std::strncmp(name, "chunk_", 6) != 0 || name[22] != '_' ||
      std::strcmp(name + 31, ".mfs") != 0)
    return false;
  uint64_t v;
  if (!parse_hex(name + 6, 16, id) || !parse_hex(name + 23, 8, v)) return false;
  version = static_cast<uint32_t>(v);
  return true;
}

bool ends_with(const std::string& s, const char* suf) {
  size_t n = std::strlen(suf);
  return s.size() >= n && s.compare(s.size() - n, n, suf) == 0;
}

// Full pread; false with errno set on error. A short read (end of file) is
// not an error: *got tells how much was read.
bool pread_full(int fd, char* p, size_t n, off_t off, size_t* got) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, p + done, n - done, off + static_cast<off_t>(done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  if (got) *got = done;
  return true;
}

// pwrite_all; false with errno set on error (io_error reports errno).
bool pwrite_full(int fd, const char* p, size_t n, off_t off) { return pwrite_all(fd, {p, n}, off).ok(); }

uint32_t blocks_for(uint32_t length) { return (length + kBlockSize - 1) / kBlockSize; }

// A 64 KiB scratch block per thread.
char* scratch() {
  thread_local std::vector<char> buf(kBlockSize);
  return buf.data();
}

// Reads a block zero-padded past `length` and checks it against crc_table.
// Returns kOk, kCrc, or kIO (errno kept).
St read_block_at(int fd, const uint32_t* crc_table, uint32_t block, uint32_t length, char* buf, uint32_t* crc_out) {
  uint64_t start = uint64_t{block} * kBlockSize;
  size_t got = 0;
  if (start < length) {
    size_t n = std::min<uint64_t>(kBlockSize, length - start);
    if (!pread_full(fd, buf, n, static_cast<off_t>(kHeaderSize + start), &got)) return St::kIO;
  }
  std::memset(buf + got, 0, kBlockSize - got);
  uint32_t crc = crc32c(buf, kBlockSize);
  if (crc_out) *crc_out = crc;
  return crc == crc_table[block] ? St::kOk : St::kCrc;
}

void fill_header(char* hdr, uint64_t id, uint32_t version) {
  std::memset(hdr, 0, kCrcOffset);
  std::memcpy(hdr, kMagic, 8);
  std::memcpy(hdr + 8, &id, 8);
  std::memcpy(hdr + 16, &version, 4);
}

}  // namespace

// ------------------------------------------------------------------ basics

ChunkStore::ChunkStore() = default;

ChunkStore::~ChunkStore() {
  std::lock_guard lk(mu_);
  for (auto& [id, c] : chunks_) {
    std::lock_guard ck(c->mu);
    c->fd.reset();
    c->deleted = true;
  }
  chunks_.clear();
  for (auto& d : disks_) d->lock_fd.reset();
}

std::string ChunkStore::file_name(uint64_t id, uint32_t version) {
  return "chunk_" + hex(id, 16) + "_" + hex(version, 8) + ".mfs";
}

std::string ChunkStore::path_of(int disk, uint64_t id, uint32_t version) const {
  return disks_[static_cast<size_t>(disk)]->spec.path + "/" + hex(id & 0xFF, 2) + "/" + file_name(id, version);
}

std::string ChunkStore::chunk_path(uint64_t id, uint32_t version) const {
  std::lock_guard lk(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return {};
  return path_of(it->second->disk, id, version);
}

St ChunkStore::io_error(int disk, const std::string& what, int err) {
  Disk& d = *disks_[static_cast<size_t>(disk)];
  if (err == ENOSPC || err == EDQUOT) {
    // A full disk is not a failing one: it takes no new chunks or blocks
    // until refresh_space() finds room again, and goes on serving reads and
    // deleting chunk files.
    {
      std::lock_guard lk(d.mu);
      d.avail = 0;
    }
    if (!d.full.exchange(true)) {
      log::warn("disk {}: full ({}: {}): no new chunks or blocks go there until space is freed; reads go on",
                d.spec.path, what, std::strerror(err));
    }
    return St::kNoSpace;
  }
  d.errors++;
  log::error("disk {}: {}: {}", d.spec.path, what, std::strerror(err));
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  size_t recent = 0;
  {
    std::lock_guard lk(d.mu);
    d.error_times.push_back(now);
    auto old = std::remove_if(d.error_times.begin(), d.error_times.end(),
                              [&](int64_t t) { return t <= now - int64_t{opts_.error_period_s}; });
    d.error_times.erase(old, d.error_times.end());
    recent = d.error_times.size();
  }
  if (recent > opts_.error_count && !d.failed.exchange(true)) {
    log::error(
        "disk {}: {} I/O errors within {} s (HDD_ERROR_TOLERANCE_COUNT {}): taken out of service; its "
        "chunks are reported lost and copied again from other servers",
        d.spec.path, recent, opts_.error_period_s, opts_.error_count);
  }
  return St::kIO;
}

std::vector<uint64_t> ChunkStore::take_failed_chunks() {
  std::vector<uint64_t> out;
  std::lock_guard lk(mu_);
  for (size_t i = 0; i < disks_.size(); i++) {
    Disk& d = *disks_[i];
    if (!d.failed || d.chunks_taken) continue;
    d.chunks_taken = true;
    for (auto it = chunks_.begin(); it != chunks_.end();) {
      Chunk& c = *it->second;
      if (c.disk != static_cast<int>(i)) {
        ++it;
        continue;
      }
      std::lock_guard ck(c.mu);
      c.fd.reset();
      c.crc.reset();
      c.deleted = true;
      out.push_back(c.id);
      it = chunks_.erase(it);
    }
    d.chunks = 0;
    d.bytes = 0;
  }
  return out;
}

void ChunkStore::add_bytes(int disk, int64_t delta) { disks_[static_cast<size_t>(disk)]->bytes += delta; }

Status ChunkStore::init(const std::vector<DiskSpec>& specs, const Options& opts) {
  opts_ = opts;
  for (const auto& s : specs) {
    auto d = std::make_unique<Disk>();
    d->spec = s;
    std::string lp = s.path + "/.lock";
    d->lock_fd.reset(::open(lp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
    if (!d->lock_fd) return Status::from_errno(s.origin + ": " + lp, errno);
    if (::flock(d->lock_fd.get(), LOCK_EX | LOCK_NB) < 0)
      return Status::error(s.origin + ": " + s.path + ": in use by another chunkserver (" + lp + " is locked)",
                           St::kAgain);
    for (unsigned i = 0; i < 256; i++) {
      std::string sub = s.path + "/" + hex(i, 2);
      if (::mkdir(sub.c_str(), 0750) < 0 && errno != EEXIST)
        return Status::from_errno(s.origin + ": cannot create " + sub, errno);
    }
    disks_.push_back(std::move(d));
  }
  for (size_t i = 0; i < disks_.size(); i++) scan_disk(static_cast<int>(i));
  refresh_space();
  log::info("{} chunks found on {} disk(s)", count(), disks_.size());
  return Status();
}

void ChunkStore::scan_disk(int disk) {
  Disk& d = *disks_[static_cast<size_t>(disk)];
  for (unsigned sub = 0; sub < 256; sub++) {
    std::string dir = d.spec.path + "/" + hex(sub, 2);
    DIR* dh = ::opendir(dir.c_str());
    if (!dh) {
      io_error(disk, "cannot list " + dir, errno);
      continue;
    }
    while (dirent* e = ::readdir(dh)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = dir + "/" + name;
      if (name.rfind("chunk_", 0) == 0 && ends_with(name, ".tmp")) {
        log::info("removing unfinished replica {}", path);
        ::unlink(path.c_str());
        continue;
      }
      uint64_t id;
      uint32_t version;
      if (!parse_name(name.c_str(), id, version)) {
        log::warn("{}: not a chunk file name, ignored", path);
        continue;
      }
      if ((id & 0xFF) != sub) {
        log::warn("{}: chunk in the wrong subfolder, ignored", path);
        continue;
      }
      UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) {
        io_error(disk, "cannot open " + path, errno);
        continue;
      }
      struct stat st {};
      char hdr[20];
      size_t got = 0;
      bool ok = ::fstat(fd.get(), &st) == 0 && pread_full(fd.get(), hdr, sizeof hdr, 0, &got);
      fd.reset();  // keeps errno
      if (!ok) {
        io_error(disk, "cannot read " + path, errno);
        continue;
      }
      uint64_t hid = 0;
      uint32_t hver = 0;
      std::memcpy(&hid, hdr + 8, 8);
      std::memcpy(&hver, hdr + 16, 4);
      if (got < sizeof hdr || st.st_size < kHeaderSize || std::memcmp(hdr, kMagic, 8) != 0 || hid != id) {
        log::warn("{}: bad chunk header, ignored", path);
        continue;
      }
      if (st.st_size > static_cast<off_t>(kHeaderSize) + kChunkSize) {
        log::warn("{}: longer than a chunk, ignored", path);
        continue;
      }
      if (hver != version) {
        // A version change writes the header first, then renames: the header wins.
        std::string fixed = dir + "/" + file_name(id, hver);
        struct stat other {};
        if (::stat(fixed.c_str(), &other) == 0) {
          log::warn("{}: header says version {} but {} exists, ignored", path, hver, fixed);
          continue;
        }
        log::warn("{}: header says version {}, renaming to {}", path, hver, fixed);
        if (::rename(path.c_str(), fixed.c_str()) < 0) {
          io_error(disk, "cannot rename " + path, errno);
          continue;
        }
        path = fixed;
        version = hver;
      }
      auto c = std::make_shared<Chunk>();
      c->id = id;
      c->disk = disk;
      c->version = version;
      c->length = static_cast<uint32_t>(st.st_size - kHeaderSize);
      std::lock_guard lk(mu_);
      auto [it, fresh] = chunks_.emplace(id, c);
      if (!fresh) {
        auto& old = it->second;
        bool keep_new = version > old->version;
        std::string drop = keep_new ? path_of(old->disk, id, old->version) : path;
        log::warn("chunk {:016X}: versions {} and {} found, removing {}", id, old->version.load(), version, drop);
        if (::unlink(drop.c_str()) < 0) io_error(keep_new ? old->disk.load() : disk, "cannot remove " + drop, errno);
        if (!keep_new) continue;
        disks_[static_cast<size_t>(old->disk)]->chunks--;
        add_bytes(old->disk, -(static_cast<int64_t>(kHeaderSize) + old->length));
        it->second = c;
      }
      d.chunks++;
      add_bytes(disk, static_cast<int64_t>(st.st_size));
    }
    ::closedir(dh);
  }
}

void ChunkStore::refresh_space() {
  for (auto& dp : disks_) {
    Disk& d = *dp;
    struct statvfs sv {};
    if (::statvfs(d.spec.path.c_str(), &sv) < 0) continue;
    uint64_t fs_total = uint64_t{sv.f_blocks} * sv.f_frsize;
    uint64_t fs_avail = uint64_t{sv.f_bavail} * sv.f_frsize;
    uint64_t total, used, avail;
    if (d.spec.limit > 0) {
      total = std::min<uint64_t>(static_cast<uint64_t>(d.spec.limit), fs_total);
      used = std::min<uint64_t>(static_cast<uint64_t>(std::max<int64_t>(0, d.bytes.load())), total);
      avail = std::min(total - used, fs_avail);
    } else {
      uint64_t leave = d.spec.limit < 0 ? static_cast<uint64_t>(-d.spec.limit) : opts_.leave_space_default;
      total = fs_total > leave ? fs_total - leave : 0;
      avail = fs_avail > leave ? fs_avail - leave : 0;
      used = total > avail ? total - avail : 0;
    }
    if (d.full) {
      if (avail >= uint64_t{kHeaderSize} + kChunkSize) {
        d.full = false;
        log::info("disk {}: room for new chunks again", d.spec.path);
      } else {
        avail = 0;
      }
    }
    std::lock_guard lk(d.mu);
    d.total = total;
    d.used = used;
    d.avail = avail;
  }
}

SpaceTotals ChunkStore::space() const {
  SpaceTotals t;
  for (const auto& d : disks_) {
    if (d->spec.removal || d->failed) continue;
    std::lock_guard lk(d->mu);
    t.total += d->total;
    t.used += d->used;
  }
  t.chunks = static_cast<uint32_t>(count());
  return t;
}

std::vector<DiskState> ChunkStore::disks() const {
  std::vector<DiskState> out;
  for (const auto& d : disks_) {
    DiskState s;
    s.path = d->spec.path;
    s.removal = d->spec.removal;
    s.move_out = d->spec.move_out;
    s.move_in = d->spec.move_in;
    {
      std::lock_guard lk(d->mu);
      s.total = d->total;
      s.used = d->used;
      s.avail = d->avail;
    }
    s.chunks = d->chunks;
    s.errors = d->errors;
    s.failed = d->failed;
    s.full = d->full;
    s.io = {d->rbytes, d->wbytes, d->rops, d->wops, d->fsyncs, d->r_us, d->w_us, d->fsync_us};
    out.push_back(s);
  }
  return out;
}

std::vector<std::array<uint32_t, 3>> ChunkStore::take_io_max() {
  std::vector<std::array<uint32_t, 3>> out;
  for (const auto& d : disks_) out.push_back({d->r_max.exchange(0), d->w_max.exchange(0), d->fsync_max.exchange(0)});
  return out;
}

uint64_t ChunkStore::move_step() {
  // With '<' disks, their chunks leave (to the '>' disks if any, else to
  // the plain ones); with only '>' disks, every other disk's chunks go there.
  bool any_out = false, any_in = false;
  for (const auto& d : disks_) {
    if (d->failed || d->spec.removal) continue;
    any_out |= d->spec.move_out;
    any_in |= d->spec.move_in;
  }
  if (!any_out && !any_in) return 0;
  auto source = [&](const Disk& d) {
    if (d.failed || d.spec.removal) return false;
    return any_out ? d.spec.move_out : !d.spec.move_in;
  };
  auto target = [&](const Disk& d) {
    if (d.failed || d.spec.removal || d.spec.move_out) return false;
    return any_in ? d.spec.move_in : true;
  };
  std::shared_ptr<Chunk> c;
  {
    std::lock_guard lk(mu_);
    if (move_batch_.empty()) {
      for (const auto& [id, ch] : chunks_) {
        if (source(*disks_[static_cast<size_t>(ch->disk)])) move_batch_.push_back(id);
        if (move_batch_.size() >= 64) break;
      }
    }
    while (!c && !move_batch_.empty()) {
      auto it = chunks_.find(move_batch_.back());
      move_batch_.pop_back();
      if (it != chunks_.end() && source(*disks_[static_cast<size_t>(it->second->disk)])) c = it->second;
    }
  }
  if (!c) return 0;
  int to = -1;
  uint64_t best = 0, need = uint64_t{kHeaderSize} + c->length;
  for (size_t i = 0; i < disks_.size(); i++) {
    Disk& d = *disks_[i];
    if (!target(d)) continue;
    std::lock_guard lk(d.mu);
    if (d.avail >= need && (to < 0 || d.avail > best)) {
      to = static_cast<int>(i);
      best = d.avail;
    }
  }
  if (to < 0) return 0;
  std::lock_guard ck(c->mu);
  if (c->deleted || c->users > 0) return 0;  // in use: a later step
  int from = c->disk;
  std::string src = path_of(from, c->id, c->version), dst = path_of(to, c->id, c->version);
  std::string tmp = dst + "." + std::to_string(++tmp_seq_) + ".tmp";
  UniqueFd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    io_error(from, "cannot open " + src, errno);
    return 0;
  }
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!out) {
    io_error(to, "cannot create " + tmp, errno);
    return 0;
  }
  auto buf = std::make_unique<char[]>(1u << 20);
  uint64_t size = 0;
  bool ok = true;
  for (;;) {
    size_t got = 0;
    if (!pread_full(in.get(), buf.get(), 1u << 20, static_cast<off_t>(size), &got)) {
      io_error(from, "cannot read " + src, errno);
      ok = false;
      break;
    }
    if (got == 0) break;
    if (!pwrite_full(out.get(), buf.get(), got, static_cast<off_t>(size))) {
      io_error(to, "cannot write " + tmp, errno);
      ok = false;
      break;
    }
    size += got;
  }
  if (ok && ::fsync(out.get()) < 0) {
    io_error(to, "fsync failed for " + tmp, errno);
    ok = false;
  }
  in.reset();
  out.reset();
  if (ok && ::rename(tmp.c_str(), dst.c_str()) < 0) {
    io_error(to, "cannot rename " + tmp, errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return 0;
  }
  if (::unlink(src.c_str()) < 0) io_error(from, "cannot remove " + src, errno);
  c->disk = to;
  int64_t bytes = static_cast<int64_t>(kHeaderSize) + c->length;
  disks_[static_cast<size_t>(from)]->chunks--;
  disks_[static_cast<size_t>(to)]->chunks++;
  add_bytes(from, -bytes);
  add_bytes(to, bytes);
  {
    Disk& d = *disks_[static_cast<size_t>(to)];
    std::lock_guard lk(d.mu);
    d.avail -= std::min<uint64_t>(d.avail, need);
  }
  log::debug("chunk {} moved from {} to {}", file_name(c->id, c->version), disks_[static_cast<size_t>(from)]->spec.path,
             disks_[static_cast<size_t>(to)]->spec.path);
  return size;
}

int ChunkStore::pick_disk() {
  int best = -1;
  uint64_t best_avail = 0;
  for (size_t i = 0; i < disks_.size(); i++) {
    Disk& d = *disks_[i];
    if (d.spec.removal || d.failed || d.full) continue;
    std::lock_guard lk(d.mu);
    if (d.avail >= uint64_t{kHeaderSize} + kChunkSize && (best < 0 || d.avail > best_avail)) {
      best = static_cast<int>(i);
      best_avail = d.avail;
    }
  }
  if (best >= 0) {
    // Account for the new chunk until the next refresh, so that a burst of
    // creations spreads over the disks.
    Disk& d = *disks_[static_cast<size_t>(best)];
    std::lock_guard lk(d.mu);
    d.avail -= std::min<uint64_t>(d.avail, kChunkSize);
  }
  return best;
}

bool ChunkStore::lookup(uint64_t id, uint32_t* version, uint32_t* length) const {
  std::lock_guard lk(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return false;
  if (version) *version = it->second->version;
  if (length) *length = it->second->length;
  return true;
}

std::vector<msg::ChunkRef> ChunkStore::list() const {
  std::lock_guard lk(mu_);
  std::vector<msg::ChunkRef> out;
  out.reserve(chunks_.size());
  for (const auto& [id, c] : chunks_) out.push_back({id, c->version.load()});
  return out;
}

std::vector<uint64_t> ChunkStore::removal_chunks() const {
  std::lock_guard lk(mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, c] : chunks_)
    if (disks_[static_cast<size_t>(c->disk)]->spec.removal) out.push_back(id);
  return out;
}

size_t ChunkStore::count() const {
  std::lock_guard lk(mu_);
  return chunks_.size();
}

// ------------------------------------------------------------ file handling

St ChunkStore::open_file(Chunk& c) {
  if (c.deleted) return St::kNoChunk;
  if (c.users == 0 || !c.fd) {
    std::string path = path_of(c.disk, c.id, c.version);
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) {
      return io_error(c.disk, "cannot open " + path, errno);
    }
    // One read-ahead request for the header and the first data, so that a
    // small chunk costs one disk access, not two.
    ::posix_fadvise(fd.get(), 0, static_cast<off_t>(kHeaderSize + std::min<uint64_t>(c.length, 1u << 20)),
                    POSIX_FADV_WILLNEED);
    auto crc = std::make_unique<uint32_t[]>(kBlocksPerChunk);
    size_t got = 0;
    if (!pread_full(fd.get(), reinterpret_cast<char*>(crc.get()), kBlocksPerChunk * 4, kCrcOffset, &got) ||
        got != kBlocksPerChunk * 4) {
      return io_error(c.disk, "cannot read CRC table of " + path, got != kBlocksPerChunk * 4 ? EIO : errno);
    }
    c.fd = std::move(fd);
    c.crc = std::move(crc);
  }
  c.users++;
  return St::kOk;
}

void ChunkStore::close_file(Chunk& c) {
  if (c.users > 0) c.users--;
  if (c.users == 0 && c.fd) {
    c.fd.reset();
    c.crc.reset();
  }
}

St ChunkStore::remove_locked(Chunk& c) {
  std::string path = path_of(c.disk, c.id, c.version);
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    return io_error(c.disk, "cannot remove " + path, errno);
  }
  c.fd.reset();
  c.crc.reset();
  c.deleted = true;
  disks_[static_cast<size_t>(c.disk)]->chunks--;
  add_bytes(c.disk, -(static_cast<int64_t>(kHeaderSize) + c.length));
  chunks_.erase(c.id);
  return St::kOk;
}

// --------------------------------------------------------- master commands

St ChunkStore::create(uint64_t id, uint32_t version) {
  std::lock_guard lk(mu_);
  if (chunks_.count(id)) return St::kExist;
  int disk = pick_disk();
  if (disk < 0) {
    log::warn("chunk {:016X}: no disk with free space for a new chunk", id);
    return St::kNoSpace;
  }
  std::string path = path_of(disk, id, version);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd) {
    return io_error(disk, "cannot create " + path, errno);
  }
  std::unique_ptr<char[]> hdr(new char[kHeaderSize]);
  fill_header(hdr.get(), id, version);
  uint32_t z = crc32c_zeros(kBlockSize);
  for (uint32_t i = 0; i < kBlocksPerChunk; i++) std::memcpy(hdr.get() + kCrcOffset + 4 * i, &z, 4);
  bool ok = pwrite_full(fd.get(), hdr.get(), kHeaderSize, 0);
  int err = errno;
  fd.reset();
  if (!ok) {
    St st = io_error(disk, "cannot write header of " + path, err);
    ::unlink(path.c_str());
    return st;
  }
  auto c = std::make_shared<Chunk>();
  c->id = id;
  c->disk = disk;
  c->version = version;
  chunks_.emplace(id, c);
  disks_[static_cast<size_t>(disk)]->chunks++;
  add_bytes(disk, kHeaderSize);
  return St::kOk;
}

St ChunkStore::remove(uint64_t id, uint32_t version) {
  std::lock_guard lk(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return St::kNoChunk;
  auto c = it->second;
  std::lock_guard ck(c->mu);
  if (version != 0 && c->version != version) return St::kWrongVersion;
  return remove_locked(*c);
}

namespace {

// Rewrites the header version, then renames the file. Chunk mutex held.
St change_version(int fd, const std::string& from, const std::string& to, uint32_t old_version, uint32_t new_version,
                  int* err) {
  if (!pwrite_full(fd, reinterpret_cast<const char*>(&new_version), 4, 16)) {
    *err = errno;
    return St::kIO;
  }
  if (::rename(from.c_str(), to.c_str()) < 0) {
    *err = errno;
    (void)pwrite_full(fd, reinterpret_cast<const char*>(&old_version), 4, 16);
    return St::kIO;
  }
  return St::kOk;
}

}  // namespace

St ChunkStore::set_version(uint64_t id, uint32_t version, uint32_t new_version) {
  std::lock_guard lk(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return St::kNoChunk;
  auto c = it->second;
  std::lock_guard ck(c->mu);
  if (c->version != version) return St::kWrongVersion;
  if (new_version == version) return St::kOk;
  St st = open_file(*c);
  if (st != St::kOk) return st;
  int err = 0;
  std::string from = path_of(c->disk, id, version), to = path_of(c->disk, id, new_version);
  st = change_version(c->fd.get(), from, to, version, new_version, &err);
  if (st == St::kOk) c->version = new_version;
  else io_error(c->disk, "cannot change version of " + from, err);
  close_file(*c);
  return st;
}

St ChunkStore::truncate(uint64_t id, uint32_t version, uint32_t new_version, uint32_t length) {
  if (length > kChunkSize) return St::kInval;
  std::lock_guard lk(mu_);
  auto it = chunks_.find(id);
  if (it == chunks_.end()) return St::kNoChunk;
  auto c = it->second;
  std::lock_guard ck(c->mu);
  if (c->version != version) return St::kWrongVersion;
  St st = open_file(*c);
  if (st != St::kOk) return st;
  std::string path = path_of(c->disk, id, version);
  uint32_t old = c->length;
  int fd = c->fd.get();
  uint32_t* table = c->crc.get();
  if (length < old) {
    uint32_t tail = length % kBlockSize;
    uint32_t keep = blocks_for(length);
    uint32_t new_crc = 0;
    if (tail != 0) {
      char* buf = scratch();
      uint32_t blk = length / kBlockSize;
      st = read_block_at(fd, table, blk, old, buf, nullptr);
      if (st != St::kOk) {
        if (st == St::kIO) io_error(c->disk, "cannot read " + path, errno);
        else log::warn("chunk {:016X}: CRC mismatch in block {} while truncating", id, blk);
        close_file(*c);
        return st;
      }
      std::memset(buf + tail, 0, kBlockSize - tail);
      new_crc = crc32c(buf, kBlockSize);
    }
    if (::ftruncate(fd, static_cast<off_t>(kHeaderSize) + length) < 0) {
      St st = io_error(c->disk, "cannot truncate " + path, errno);
      close_file(*c);
      return st;
    }
    if (tail != 0) table[length / kBlockSize] = new_crc;
    uint32_t z = crc32c_zeros(kBlockSize);
    for (uint32_t b = keep; b < blocks_for(old); b++) table[b] = z;
    if (!pwrite_full(fd, reinterpret_cast<const char*>(table), kBlocksPerChunk * 4, kCrcOffset)) {
      St st = io_error(c->disk, "cannot write CRC table of " + path, errno);
      close_file(*c);
      return st;
    }
  } else if (length > old) {
    if (::ftruncate(fd, static_cast<off_t>(kHeaderSize) + length) < 0) {
      St st = io_error(c->disk, "cannot extend " + path, errno);
      close_file(*c);
      return st;
    }
  }
  c->length = length;
  add_bytes(c->disk, static_cast<int64_t>(length) - old);
  if (new_version != 0 && new_version != version) {
    int err = 0;
    st = change_version(fd, path, path_of(c->disk, id, new_version), version, new_version, &err);
    if (st == St::kOk) c->version = new_version;
    else io_error(c->disk, "cannot change version of " + path, err);
  }
  close_file(*c);
  return st;
}

// ------------------------------------------------------------------ handles

St ChunkStore::open(uint64_t id, uint32_t version, Handle* out) {
  out->reset();
  std::shared_ptr<Chunk> c;
  {
    std::lock_guard lk(mu_);
    auto it = chunks_.find(id);
    if (it == chunks_.end()) return St::kNoChunk;
    c = it->second;
    std::lock_guard ck(c->mu);
    if (c->version != version) return St::kWrongVersion;
    St st = open_file(*c);
    if (st != St::kOk) return st;
  }
  out->store_ = this;
  out->chunk_ = std::move(c);
  return St::kOk;
}

ChunkStore::Handle& ChunkStore::Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    store_ = o.store_;
    chunk_ = std::move(o.chunk_);
    o.store_ = nullptr;
  }
  return *this;
}

void ChunkStore::Handle::reset() {
  if (chunk_) {
    std::lock_guard ck(chunk_->mu);
    store_->close_file(*chunk_);
  }
  chunk_.reset();
  store_ = nullptr;
}

uint64_t ChunkStore::Handle::id() const { return chunk_ ? chunk_->id : 0; }
uint32_t ChunkStore::Handle::length() const { return chunk_ ? chunk_->length.load() : 0; }

St ChunkStore::Handle::read_block(uint32_t block, char* buf, uint32_t* crc, uint32_t* length) {
  if (!chunk_) return St::kNoChunk;
  if (block >= kBlocksPerChunk) return St::kInval;
  Chunk& c = *chunk_;
  std::lock_guard ck(c.mu);
  if (c.deleted || !c.fd) return St::kNoChunk;
  uint32_t len = c.length;
  if (length) *length = len;
  IoTimer timer(*store_->disks_[static_cast<size_t>(c.disk.load())], IoTimer::kRead, kBlockSize);
  St st = read_block_at(c.fd.get(), c.crc.get(), block, len, buf, crc);
  if (st == St::kIO) store_->io_error(c.disk, "read error in chunk " + file_name(c.id, c.version), errno);
  return st;
}

St ChunkStore::Handle::write(uint32_t offset, const char* data, uint32_t size) {
  if (!chunk_) return St::kNoChunk;
  if (size == 0 || uint64_t{offset} + size > kChunkSize || offset / kBlockSize != (offset + size - 1) / kBlockSize)
    return St::kInval;
  Chunk& c = *chunk_;
  std::lock_guard ck(c.mu);
  if (c.deleted || !c.fd) return St::kNoChunk;
  uint32_t blk = offset / kBlockSize;
  uint32_t len = c.length;
  uint32_t crc;
  if (size == kBlockSize) {
    crc = crc32c(data, size);
  } else {
    char* buf = scratch();
    St st = read_block_at(c.fd.get(), c.crc.get(), blk, len, buf, nullptr);
    if (st == St::kIO) {
      store_->io_error(c.disk, "read error in chunk " + file_name(c.id, c.version), errno);
      return st;
    }
    if (st == St::kCrc) {
      log::warn("chunk {:016X}: CRC mismatch in block {} before a partial write", c.id, blk);
      return st;
    }
    std::memcpy(buf + offset % kBlockSize, data, size);
    crc = crc32c(buf, kBlockSize);
  }
  IoTimer timer(*store_->disks_[static_cast<size_t>(c.disk.load())], IoTimer::kWrite, size);
  if (!pwrite_full(c.fd.get(), data, size, static_cast<off_t>(kHeaderSize) + offset) ||
      !pwrite_full(c.fd.get(), reinterpret_cast<const char*>(&crc), 4,
                   static_cast<off_t>(kCrcOffset) + 4 * static_cast<off_t>(blk))) {
    return store_->io_error(c.disk, "write error in chunk " + file_name(c.id, c.version), errno);
  }
  c.crc[blk] = crc;
  if (offset + size > len) {
    c.length = offset + size;
    store_->add_bytes(c.disk, static_cast<int64_t>(offset + size - len));
  }
  return St::kOk;
}

St ChunkStore::Handle::fsync() {
  if (!chunk_) return St::kNoChunk;
  Chunk& c = *chunk_;
  std::lock_guard ck(c.mu);
  if (c.deleted || !c.fd) return St::kNoChunk;
  IoTimer timer(*store_->disks_[static_cast<size_t>(c.disk.load())], IoTimer::kFsync, 0);
  if (::fsync(c.fd.get()) < 0) {
    return store_->io_error(c.disk, "fsync of chunk " + file_name(c.id, c.version) + " failed", errno);
  }
  return St::kOk;
}

// ----------------------------------------------------------------- replicas

St ChunkStore::duplicate(uint64_t id, uint32_t version, uint64_t new_id, uint32_t new_version, uint32_t length) {
  {
    std::lock_guard lk(mu_);
    if (chunks_.count(new_id)) return St::kExist;
  }
  Handle h;
  St st = open(id, version, &h);
  if (st != St::kOk) return st;
  uint32_t src_len = h.length();
  if (length == msg::CsDuplicate::kKeepLength) length = src_len;
  if (length > kChunkSize) return St::kInval;
  Replica r;
  if ((st = begin_replica(new_id, new_version, &r)) != St::kOk) return st;
  std::unique_ptr<char[]> buf(new char[kBlockSize]);
  uint32_t copy = std::min(length, src_len);
  for (uint32_t b = 0; uint64_t{b} * kBlockSize < copy; b++) {
    uint32_t crc = 0, len = 0;
    if ((st = h.read_block(b, buf.get(), &crc, &len)) != St::kOk) return st;
    uint32_t off = b * kBlockSize;
    if ((st = r.write(off, buf.get(), std::min(kBlockSize, copy - off))) != St::kOk) return st;
  }
  return r.commit(length);
}

St ChunkStore::begin_replica(uint64_t id, uint32_t version, Replica* out) {
  out->abort();
  int disk;
  {
    std::lock_guard lk(mu_);
    disk = pick_disk();
  }
  if (disk < 0) return St::kNoSpace;
  std::string tmp = path_of(disk, id, version) + "." + std::to_string(++tmp_seq_) + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (!fd) {
    return io_error(disk, "cannot create " + tmp, errno);
  }
  out->store_ = this;
  out->id_ = id;
  out->version_ = version;
  out->disk_ = disk;
  out->fd_ = std::move(fd);
  out->tmp_path_ = tmp;
  out->crc_.assign(kBlocksPerChunk, crc32c_zeros(kBlockSize));
  out->full_.assign(kBlocksPerChunk, false);
  return St::kOk;
}

St ChunkStore::Replica::write(uint32_t offset, const char* data, uint32_t size) {
  if (!fd_) return St::kInval;
  if (size == 0 || uint64_t{offset} + size > kChunkSize || offset / kBlockSize != (offset + size - 1) / kBlockSize)
    return St::kInval;
  IoTimer timer(*store_->disks_[static_cast<size_t>(disk_)], IoTimer::kWrite, size);
  if (!pwrite_full(fd_.get(), data, size, static_cast<off_t>(kHeaderSize) + offset)) {
    return store_->io_error(disk_, "cannot write " + tmp_path_, errno);
  }
  uint32_t blk = offset / kBlockSize;
  if (size == kBlockSize) {
    crc_[blk] = crc32c(data, size);
    full_[blk] = true;
  } else {
    full_[blk] = false;  // recomputed from the file at commit
  }
  return St::kOk;
}

St ChunkStore::Replica::commit(uint32_t length) {
  if (!fd_) return St::kInval;
  if (length > kChunkSize) return St::kInval;
  ChunkStore& s = *store_;
  auto fail = [&](const std::string& what) {
    St st = s.io_error(disk_, what + " " + tmp_path_, errno);
    abort();
    return st;
  };
  if (::ftruncate(fd_.get(), static_cast<off_t>(kHeaderSize) + length) < 0) return fail("cannot truncate");
  uint32_t n = blocks_for(length);
  char* buf = scratch();
  for (uint32_t b = 0; b < kBlocksPerChunk; b++) {
    if (b >= n) {
      crc_[b] = crc32c_zeros(kBlockSize);
    } else if (!full_[b]) {
      size_t want = std::min<uint64_t>(kBlockSize, length - uint64_t{b} * kBlockSize), got = 0;
      if (!pread_full(fd_.get(), buf, want, static_cast<off_t>(kHeaderSize + uint64_t{b} * kBlockSize), &got))
        return fail("cannot read back");
      std::memset(buf + got, 0, kBlockSize - got);
      crc_[b] = crc32c(buf, kBlockSize);
    }
  }
  std::unique_ptr<char[]> hdr(new char[kHeaderSize]);
  fill_header(hdr.get(), id_, version_);
  std::memcpy(hdr.get() + kCrcOffset, crc_.data(), kBlocksPerChunk * 4);
  if (!pwrite_full(fd_.get(), hdr.get(), kHeaderSize, 0)) return fail("cannot write header of");
  {
    IoTimer timer(*s.disks_[static_cast<size_t>(disk_)], IoTimer::kFsync, 0);
    if (::fsync(fd_.get()) < 0) return fail("fsync failed for");
  }
  fd_.reset();

  std::string final_path = s.path_of(disk_, id_, version_);
  std::lock_guard lk(s.mu_);
  auto it = s.chunks_.find(id_);
  std::shared_ptr<Chunk> old = it == s.chunks_.end() ? nullptr : it->second;
  std::unique_lock<std::mutex> ok_lock;
  if (old) ok_lock = std::unique_lock(old->mu);
  if (::rename(tmp_path_.c_str(), final_path.c_str()) < 0) {
    s.io_error(disk_, "cannot rename " + tmp_path_, errno);
    ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
    return St::kIO;
  }
  tmp_path_.clear();
  if (old) {
    if (old->disk == disk_ && old->version == version_) {
      // Same file name: the rename replaced the old file already.
      old->fd.reset();
      old->crc.reset();
      old->deleted = true;
      s.disks_[static_cast<size_t>(old->disk)]->chunks--;
      s.add_bytes(old->disk, -(static_cast<int64_t>(kHeaderSize) + old->length));
      s.chunks_.erase(id_);
    } else {
      (void)s.remove_locked(*old);
      s.chunks_.erase(id_);
    }
  }
  auto c = std::make_shared<Chunk>();
  c->id = id_;
  c->disk = disk_;
  c->version = version_;
  c->length = length;
  s.chunks_[id_] = c;
  s.disks_[static_cast<size_t>(disk_)]->chunks++;
  s.add_bytes(disk_, static_cast<int64_t>(kHeaderSize) + length);
  return St::kOk;
}

void ChunkStore::Replica::abort() {
  fd_.reset();
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  tmp_path_.clear();
}

}  // namespace antler::cs

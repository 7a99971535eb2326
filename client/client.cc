#include "client/client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <unordered_map>

#include "client/chunk_io.h"
#include "client/lock_client.h"
#include "client/master_link.h"
#include "client/open_files.h"
#include "common/log.h"
#include "common/mutex.h"

namespace antler::client {

namespace {

constexpr uint64_t kChunk = msg::kChunkSize;
// A file hands a batch of buffered data to the background writers once it
// holds this much; the application keeps writing into the next batch.
constexpr size_t kBatchBytes = 16u << 20;

// A few threads that run background writes.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; i++) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() {
    {
      MutexLock l(&mu_);
      stop_ = true;
    }
    cv_.SignalAll();
    for (auto& t : threads_) t.join();
  }
  void submit(std::function<void()> fn) EXCLUDES(mu_) {
    {
      MutexLock l(&mu_);
      queue_.push_back(std::move(fn));
    }
    cv_.Signal();
  }

 private:
  void run() EXCLUDES(mu_) {
    for (;;) {
      std::function<void()> fn;
      {
        MutexLock l(&mu_);
        while (!stop_ && queue_.empty()) cv_.Wait(mu_);
        if (queue_.empty()) return;  // stopping, all work done
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  Mutex mu_;
  CondVar cv_;  // with mu_: work queued, or stopping
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // set in the constructor only
};

// One open(2) of a file: the file's shared state (counted in OpenFiles
// until release()) and how it was opened.
struct Handle {
  std::shared_ptr<FileState> file;
  int flags = 0;
  uint8_t eattr = 0;  // at open
  msg::Cred cred;     // of the opener: a master that lost the session is asked to open it again
};

// What ClOpen asks for a handle opened with flags (kR = 4, kW = 2).
uint8_t open_mask(int flags) {
  int acc = flags & O_ACCMODE;
  uint8_t mask = acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : 6;
  if (flags & O_TRUNC) mask |= 2;
  return mask;
}

class ClientImpl : public Client {
 public:
  explicit ClientImpl(const Options& o) : opts_(o), link_(o), io_(30000) {}

  Status start() {
    link_.set_reopen([this] { return handles_to_reopen(); });
    return link_.start();
  }
  bool readonly() const override { return link_.readonly(); }
  bool kernel_checks() const override { return link_.kernel_checks(); }
  bool connected() override { return link_.connected(); }
  uint64_t registrations() override { return link_.generation(); }
  LockClient& locks() override { return locks_; }

  St lookup(const Cred& c, uint32_t parent, const std::string& name, Attr* out) override {
    msg::ClAttrReply r;
    St st = link_.call(msg::ClLookup{0, c, parent, name}, &r);
    if (st != St::kOk) return st;
    if (r.status == St::kOk) *out = overlay(r.attr);
    return r.status;
  }

  St getattr(uint32_t inode, Attr* out) override {
    if (cached_dir(inode, out)) return St::kOk;
    msg::ClAttrReply r;
    St st = link_.call(msg::ClGetattr{0, inode}, &r);
    if (st != St::kOk) return st;
    if (r.status == St::kOk) *out = overlay(r.attr);
    return r.status;
  }

  St setattr(const Cred& c, uint32_t inode, uint32_t mask, const Attr& v, Attr* out) override {
    msg::ClSetattr m;
    m.cred = c;
    m.inode = inode;
    m.mask = mask;
    m.mode = v.mode;
    m.uid = v.uid;
    m.gid = v.gid;
    m.size = v.size;
    m.atime_ns = v.atime_ns;
    m.mtime_ns = v.mtime_ns;
    msg::ClAttrReply r;
    forget_dir(inode);
    St st = (mask & msg::kSetSize) ? resize(m, &r) : link_.call(m, &r);
    if (st != St::kOk) return st;
    if (r.status == St::kOk) *out = overlay(r.attr);  // no FileState::mu held here: overlay tries it
    return r.status;
  }

  St mknod(const Cred& c, uint32_t parent, const std::string& name, uint8_t type, uint16_t mode, uint32_t rdev,
           Attr* out, uint16_t umask) override {
    msg::ClAttrReply r;
    msg::ClMknod m{0, c, parent, name, type, mode, rdev, true};
    m.umask = umask;
    St st = link_.call(m, &r);
    if (st != St::kOk) return st;
    note_dirs(r.dirs);
    if (r.status == St::kOk) *out = overlay(r.attr);
    return r.status;
  }

  St unlink(const Cred& c, uint32_t parent, const std::string& name) override {
    msg::ClStatusReply r;
    St st = link_.call(msg::ClUnlink{0, c, parent, name, false}, &r);
    note_dirs(r.dirs);
    return st != St::kOk ? st : r.status;
  }

  St rmdir(const Cred& c, uint32_t parent, const std::string& name) override {
    msg::ClStatusReply r;
    St st = link_.call(msg::ClUnlink{0, c, parent, name, true}, &r);
    if (st == St::kOk && r.status == St::kOk) forget_dirs();  // the removed one's (its inode is not known here)
    note_dirs(r.dirs);
    return st != St::kOk ? st : r.status;
  }

  St symlink(const Cred& c, uint32_t parent, const std::string& name, const std::string& target, Attr* out) override {
    msg::ClAttrReply r;
    St st = link_.call(msg::ClSymlink{0, c, parent, name, target}, &r);
    if (st != St::kOk) return st;
    note_dirs(r.dirs);
    if (r.status == St::kOk) *out = overlay(r.attr);
    return r.status;
  }

  St readlink(uint32_t inode, std::string* target) override {
    msg::ClReadlinkReply r;
    St st = link_.call(msg::ClReadlink{0, inode}, &r);
    if (st != St::kOk) return st;
    *target = r.target;
    return r.status;
  }

  St rename(const Cred& c, uint32_t parent, const std::string& name, uint32_t new_parent, const std::string& new_name,
            uint32_t flags) override {
    msg::ClStatusReply r;
    St st = link_.call(msg::ClRename{0, c, parent, name, new_parent, new_name, flags}, &r);
    note_dirs(r.dirs);
    return st != St::kOk ? st : r.status;
  }

  St link(const Cred& c, uint32_t inode, uint32_t new_parent, const std::string& new_name, Attr* out) override {
    msg::ClAttrReply r;
    St st = link_.call(msg::ClLink{0, c, inode, new_parent, new_name}, &r);
    if (st != St::kOk) return st;
    note_dirs(r.dirs);
    if (r.status == St::kOk) *out = overlay(r.attr);
    return r.status;
  }

  St readdir(const Cred& c, uint32_t inode, std::vector<DirEntry>* out) override {
    out->clear();
    for (;;) {
      msg::ClReaddirReply r;
      St st = link_.call(msg::ClReaddir{0, c, inode, out->size(), msg::kMaxReaddirEntries}, &r);
      if (st != St::kOk) return st;
      if (r.status != St::kOk) return r.status;
      for (auto& e : r.entries) {
        e.attr = overlay(e.attr);
        out->push_back(std::move(e));
      }
      if (r.eof || r.entries.empty()) return St::kOk;
    }
  }

  St statfs(Statfs* out) override {
    msg::ClStatfsReply r;
    St st = link_.call(msg::ClStatfs{0}, &r);
    if (st != St::kOk) return st;
    out->total_bytes = r.total_bytes;
    out->avail_bytes = r.avail_bytes;
    out->trash_bytes = r.trash_bytes;
    out->inodes = r.inodes;
    return r.status;
  }

  St tool(const Cred& c, uint32_t type, std::string_view payload, uint32_t* reply_type, std::string* reply) override {
    return link_.call_tool(type, payload, c, reply_type, reply);
  }

  St access(const Cred& c, uint32_t inode, int mask) override {
    msg::ClStatusReply r;
    St st = link_.call(msg::ClAccess{0, c, inode, static_cast<uint8_t>(mask & 7)}, &r);
    return st != St::kOk ? st : r.status;
  }

  St getxattr(const Cred& c, uint32_t inode, const std::string& name, uint32_t size, std::string* value,
              uint32_t* len) override {
    if (known_without_xattrs(inode)) return St::kNoData;
    msg::ClXattrReply r;
    St st = link_.call(msg::ClGetXattr{0, c, inode, name, size}, &r);
    if (st != St::kOk) return st;
    note_xattr_flags(inode, r.attr_flags);
    *len = r.size;
    *value = std::move(r.value);
    return r.status;
  }

  St listxattr(const Cred& c, uint32_t inode, uint32_t size, std::string* names, uint32_t* len) override {
    if (known_without_xattrs(inode)) {
      names->clear();
      *len = 0;
      return St::kOk;
    }
    msg::ClXattrReply r;
    St st = link_.call(msg::ClListXattr{0, c, inode, size}, &r);
    if (st != St::kOk) return st;
    note_xattr_flags(inode, r.attr_flags);
    *len = r.size;
    *names = std::move(r.value);
    return r.status;
  }

  St setxattr(const Cred& c, uint32_t inode, const std::string& name, const std::string& value,
              uint32_t flags) override {
    forget_xattr_flags(inode);
    forget_dir(inode);  // an ACL changes the mode
    msg::ClStatusReply r;
    St st = link_.call(msg::ClSetXattr{0, c, inode, name, value, flags}, &r);
    return st != St::kOk ? st : r.status;
  }

  St removexattr(const Cred& c, uint32_t inode, const std::string& name) override {
    forget_xattr_flags(inode);
    forget_dir(inode);
    msg::ClStatusReply r;
    St st = link_.call(msg::ClRemoveXattr{0, c, inode, name}, &r);
    return st != St::kOk ? st : r.status;
  }

  St open(const Cred& c, uint32_t inode, int flags, uint64_t* fh) override {
    int acc = flags & O_ACCMODE;
    msg::ClOpenReply r;
    St st = link_.call(msg::ClOpen{0, c, inode, open_mask(flags), (flags & O_APPEND) != 0}, &r);
    if (st != St::kOk) return st;
    if (r.status != St::kOk) return r.status;
    note_xattr_flags(inode, r.attr.flags);
    *fh = new_handle(c, inode, flags, &r);
    if ((flags & O_TRUNC) && acc != O_RDONLY) {
      Attr v, out;
      v.size = 0;
      st = setattr(c, inode, msg::kSetSize, v, &out);
      if (st != St::kOk) {
        release(*fh);
        return st;
      }
    }
    return St::kOk;
  }

  St create(const Cred& c, uint32_t parent, const std::string& name, uint16_t mode, int flags, Attr* out, uint64_t* fh,
            uint16_t umask) override {
    int acc = flags & O_ACCMODE;
    uint8_t mask = acc == O_RDONLY ? 4 : acc == O_WRONLY ? 2 : 6;
    msg::ClAttrReply r;
    St st =
        link_.call(msg::ClMknod{0, c, parent, name, msg::kFile, mode, 0, (flags & O_EXCL) != 0, true, mask, umask}, &r);
    if (st != St::kOk) return st;
    note_dirs(r.dirs);
    if (r.status != St::kOk) return r.status;
    *out = overlay(r.attr);
    *fh = new_handle(c, r.attr.inode, flags);
    if ((flags & O_TRUNC) && acc != O_RDONLY && r.attr.size > 0) {
      // O_CREAT|O_TRUNC on a file that already existed.
      Attr v, tr;
      v.size = 0;
      st = setattr(c, r.attr.inode, msg::kSetSize, v, &tr);
      if (st != St::kOk) {
        release(*fh);
        return st;
      }
      *out = tr;
    }
    return St::kOk;
  }

  St read(uint64_t fh, uint64_t off, size_t size, std::string* out) override {
    auto f = handle_file(fh);
    if (!f) return St::kInval;
    MutexLock l(&f->mu);
    if (f->closed) return St::kInval;  // fh was released meanwhile
    if (!f->dirty.empty() || f->flushing) {
      St st = flush_locked(*f, false);
      if (st != St::kOk) return st;
    }
    // Serve from the read-ahead buffer when possible.
    if (off >= f->ra_off && off + size <= f->ra_off + f->ra.size()) {
      out->assign(f->ra, off - f->ra_off, size);
      f->last_read_end = off + size;
      return St::kOk;
    }
    bool sequential = off == f->last_read_end || off == 0;
    uint64_t want = size;
    if (sequential) want = std::max<uint64_t>(size, uint64_t(opts_.readahead_kb) * 1024);
    std::string buf;
    uint64_t length = 0;
    St st = read_range(*f, off, want, &buf, &length);
    if (st != St::kOk) return st;
    f->ra_off = off;
    f->ra = buf;
    out->assign(buf, 0, std::min<size_t>(size, buf.size()));
    f->last_read_end = off + out->size();
    return St::kOk;
  }

  St write(uint64_t fh, uint64_t off, const char* data, size_t size) override {
    int flags = 0;
    auto f = handle_file(fh, &flags);
    if (!f) return St::kInval;
    if (readonly()) return St::kRoFs;
    if (flags & O_APPEND) return append(*f, data, size);
    MutexLock l(&f->mu);
    if (f->closed) return St::kInval;  // fh was released meanwhile: nobody would flush this
    if (f->write_error != St::kOk) return f->write_error;
    add_dirty(*f, off, data, size);
    f->ra.clear();
    f->chunk0.reset();
    if (f->dirty_bytes >= kBatchBytes) {
      // Back-pressure: one batch in flight per file, one filling.
      while (f->flushing && f->dirty_bytes >= 2 * kBatchBytes) f->cv.Wait(f->mu);
      if (!f->flushing && f->dirty_bytes >= kBatchBytes) start_batch(f);
    }
    if (total_dirty_ > uint64_t(opts_.write_cache_mb) << 20) return flush_locked(*f, false);
    return f->write_error;
  }

  St flush(uint64_t fh) override {
    auto f = handle_file(fh);
    if (!f) return St::kInval;
    MutexLock l(&f->mu);
    if (f->closed) return St::kInval;
    St st = flush_locked(*f, false);
    St err = f->write_error;
    f->write_error = St::kOk;
    return st != St::kOk ? st : err;
  }

  St fsync(uint64_t fh, bool) override {
    auto f = handle_file(fh);
    if (!f) return St::kInval;
    MutexLock l(&f->mu);
    if (f->closed) return St::kInval;
    return flush_locked(*f, true);
  }

  // Writes what the file buffered, then counts the handle released in
  // files_ under the same hold of FileState::mu: the state leaves the table
  // at its last handle, with nothing buffered or in flight (OpenFiles::release).
  St release(uint64_t fh) override {
    std::shared_ptr<FileState> f;
    {
      MutexLock l(&handles_mu_);
      auto it = handles_.find(fh);
      if (it == handles_.end()) return St::kInval;
      f = std::move(it->second.file);
      handles_.erase(it);
    }
    St st;
    {
      MutexLock l(&f->mu);
      st = flush_locked(*f, false);  // leaves nothing buffered and no batch in flight
      files_.release(*f);
    }
    // The master counts each open of the session (ClOpen, ClMknod with
    // open): every handle is released there too, not only the last one.
    link_.release(f->inode);
    return st;
  }

 private:
  // Counts a handle on the inode's state (OpenFiles::open) and names it.
  uint64_t new_handle(const Cred& c, uint32_t inode, int flags, const msg::ClOpenReply* opened = nullptr)
      EXCLUDES(handles_mu_) {
    auto f = files_.open(inode);
    if (opened && opened->chunk_id != 0) {
      MutexLock l(&f->mu);
      if (f->dirty.empty() && !f->flushing) {
        f->chunk0 = msg::ClChunkReply{
            0, St::kOk, opened->attr.size, opened->chunk_id, opened->version, opened->locations, opened->token};
      }
    }
    MutexLock l(&handles_mu_);
    uint64_t fh = next_fh_++;
    handles_[fh] = Handle{std::move(f), flags, opened ? opened->attr.eattr : uint8_t{0}, c};
    return fh;
  }

  // Every handle as the ClOpen that opens it again (MasterLink calls this
  // when the master gave a new session: it restarted, or failed over).
  std::vector<msg::ClOpen> handles_to_reopen() EXCLUDES(handles_mu_) {
    MutexLock l(&handles_mu_);
    std::vector<msg::ClOpen> out;
    out.reserve(handles_.size());
    for (const auto& [fh, h] : handles_)
      out.push_back(msg::ClOpen{0, h.cred, h.file->inode, open_mask(h.flags), (h.flags & O_APPEND) != 0, true});
    return out;
  }

  uint8_t handle_eattr(uint64_t fh) override {
    MutexLock l(&handles_mu_);
    auto it = handles_.find(fh);
    return it == handles_.end() ? 0 : it->second.eattr;
  }

  // The state of handle fh (nullptr if fh is not open), and its open flags.
  std::shared_ptr<FileState> handle_file(uint64_t fh, int* flags = nullptr) EXCLUDES(handles_mu_) {
    MutexLock l(&handles_mu_);
    auto it = handles_.find(fh);
    if (it == handles_.end()) return nullptr;
    if (flags) *flags = it->second.flags;
    return it->second.file;
  }

  // A size change (m.mask has kSetSize). If this client has the file open,
  // what it buffered is written first, and none of its writes slips in
  // before the master has the new size (FileState::mu held meanwhile).
  St resize(msg::ClSetattr& m, msg::ClAttrReply* r) {
    for (;;) {
      auto f = files_.find(m.inode);
      if (!f) return link_.call(m, r);
      MutexLock l(&f->mu);
      if (f->closed) continue;  // its last handle went meanwhile: look again
      St st = flush_locked(*f, false);
      if (st != St::kOk) return st;
      f->ra.clear();
      f->chunk0.reset();
      m.opened_for_write = true;  // a handle of this client has the file open
      return link_.call(m, r);
    }
  }

  // An O_APPEND write: what this client buffered for the file goes first,
  // then the master reserves [offset, offset + size) at the end of the file
  // and the data is written there before the call returns.
  St append(FileState& f, const char* data, size_t size) EXCLUDES(f.mu) {
    MutexLock l(&f.mu);
    if (f.closed) return St::kInval;
    if (f.write_error != St::kOk) return f.write_error;
    St st = flush_locked(f, false);
    if (st != St::kOk) return st;
    f.ra.clear();
    f.chunk0.reset();
    if (size == 0) return St::kOk;
    msg::ClAppendReply r;
    st = link_.call(msg::ClAppend{0, f.inode, size}, &r);
    if (st != St::kOk) return st;
    if (r.status != St::kOk) return r.status;
    std::map<uint64_t, std::string> range{{r.offset, std::string(data, size)}};
    st = write_ranges(f.inode, range, false);
    if (st != St::kOk) log::error("append to inode {} at {} failed: {}", f.inode, r.offset, to_string(st));
    return st;
  }

  // ---- inodes known to have no extended attributes (Options::xattr_cache_ms)
  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void note_xattr_flags(uint32_t inode, uint8_t flags) EXCLUDES(xattr_mu_) {
    if (opts_.xattr_cache_ms <= 0) return;
    MutexLock l(&xattr_mu_);
    if (flags & msg::kFlagXattr) {
      no_xattrs_until_.erase(inode);
      return;
    }
    if (no_xattrs_until_.size() >= kMaxXattrEntries) no_xattrs_until_.clear();
    no_xattrs_until_[inode] = now_ms() + opts_.xattr_cache_ms;
  }
  void forget_xattr_flags(uint32_t inode) EXCLUDES(xattr_mu_) {
    MutexLock l(&xattr_mu_);
    no_xattrs_until_.erase(inode);
  }
  bool known_without_xattrs(uint32_t inode) EXCLUDES(xattr_mu_) {
    MutexLock l(&xattr_mu_);
    auto it = no_xattrs_until_.find(inode);
    return it != no_xattrs_until_.end() && it->second > now_ms();
  }

  // ---- directories' attributes from namespace replies (Options::dir_attr_cache_ms)
  void note_dirs(const std::vector<Attr>& dirs) EXCLUDES(dir_mu_) {
    if (opts_.dir_attr_cache_ms <= 0 || dirs.empty()) return;
    int64_t until = now_ms() + opts_.dir_attr_cache_ms;
    MutexLock l(&dir_mu_);
    for (const Attr& a : dirs) {
      if (a.eattr & msg::kEattrNoAttrCache) continue;
      auto [it, added] = dir_attrs_.try_emplace(a.inode, a, until);
      // Replies to changes in one directory may be handled out of order:
      // keep the later change's attributes.
      if (!added && a.ctime_ns >= it->second.first.ctime_ns) it->second = {a, until};
    }
    if (dir_attrs_.size() > kMaxDirEntries) dir_attrs_.clear();
  }
  bool cached_dir(uint32_t inode, Attr* out) EXCLUDES(dir_mu_) {
    MutexLock l(&dir_mu_);
    auto it = dir_attrs_.find(inode);
    if (it == dir_attrs_.end()) return false;
    if (it->second.second <= now_ms()) {
      dir_attrs_.erase(it);
      return false;
    }
    *out = it->second.first;
    return true;
  }
  void forget_dir(uint32_t inode) EXCLUDES(dir_mu_) {
    MutexLock l(&dir_mu_);
    dir_attrs_.erase(inode);
  }
  void forget_dirs() EXCLUDES(dir_mu_) {
    MutexLock l(&dir_mu_);
    dir_attrs_.clear();
  }

  // Attributes as this client sees them: buffered data extends the length
  // (unless a flush holds the file now: no waiting for it here).
  // REQUIRES: no FileState::mu held by the caller.
  Attr overlay(Attr a) {
    note_xattr_flags(a.inode, a.flags);
    if (a.type != msg::kFile) return a;
    auto f = files_.find(a.inode);
    if (!f) return a;
    if (f->mu.TryLock()) {
      if (f->dirty_end > a.size) a.size = f->dirty_end;
      f->mu.Unlock();
    }
    return a;
  }

  void add_dirty(FileState& f, uint64_t off, const char* data, size_t size) REQUIRES(f.mu) {
    uint64_t end = off + size;
    f.dirty_end = std::max(f.dirty_end, end);
    auto next = f.dirty.upper_bound(off);
    // Fast path (sequential writes, rewrites inside a buffered range): the
    // range starting at or before off reaches off, and the next range starts
    // after end. Extend or overwrite it in place.
    if (next != f.dirty.begin()) {
      auto prev = std::prev(next);
      uint64_t pend = prev->first + prev->second.size();
      if (pend >= off && (next == f.dirty.end() || next->first > end)) {
        if (end > pend) {
          prev->second.resize(end - prev->first);
          f.dirty_bytes += end - pend;
          total_dirty_ += end - pend;
        }
        std::memcpy(&prev->second[off - prev->first], data, size);
        return;
      }
    }
    // General case: merge with every overlapping or adjacent range.
    std::string merged(data, size);
    uint64_t moff = off;
    auto it = next;
    if (it != f.dirty.begin()) --it;
    while (it != f.dirty.end() && it->first <= end) {
      uint64_t b = it->first, e = b + it->second.size();
      if (e < moff) {
        ++it;
        continue;
      }
      uint64_t nb = std::min(b, moff), ne = std::max<uint64_t>(e, moff + merged.size());
      std::string n(ne - nb, '\0');
      std::memcpy(&n[b - nb], it->second.data(), it->second.size());
      std::memcpy(&n[moff - nb], merged.data(), merged.size());  // newer data wins
      f.dirty_bytes -= it->second.size();
      total_dirty_ -= it->second.size();
      it = f.dirty.erase(it);
      merged.swap(n);
      moff = nb;
    }
    f.dirty_bytes += merged.size();
    total_dirty_ += merged.size();
    f.dirty.emplace(moff, std::move(merged));
  }

  // Hands the buffered data to a background writer. REQUIRES: !f->flushing.
  void start_batch(const std::shared_ptr<FileState>& f) REQUIRES(f->mu) {
    auto batch = std::make_shared<std::map<uint64_t, std::string>>(std::move(f->dirty));
    size_t bytes = f->dirty_bytes;
    f->dirty.clear();
    f->dirty_bytes = 0;
    f->flushing = true;
    writers_.submit([this, f, batch, bytes] {
      St st = write_ranges(f->inode, *batch, false);
      total_dirty_ -= bytes;
      MutexLock l(&f->mu);
      if (st != St::kOk && f->write_error == St::kOk) f->write_error = st;
      f->flushing = false;
      if (f->dirty.empty()) f->dirty_end = 0;
      f->cv.SignalAll();
    });
  }

  // Waits for the batch in flight, then writes what is buffered: on return
  // f.dirty is empty and !f.flushing. The data is dropped after a failure
  // that retries could not overcome: the application learns of it (here and
  // through write_error).
  St flush_locked(FileState& f, bool fsync) REQUIRES(f.mu) {
    while (f.flushing) f.cv.Wait(f.mu);
    if (f.dirty.empty() && !fsync) {
      f.dirty_end = 0;
      return f.write_error;
    }
    St result = write_ranges(f.inode, f.dirty, fsync);
    total_dirty_ -= f.dirty_bytes;
    f.dirty.clear();
    f.dirty_bytes = 0;
    f.dirty_end = 0;
    if (result != St::kOk) {
      f.write_error = result;
      log::error("write to inode {} failed: {}", f.inode, to_string(result));
    }
    return result != St::kOk ? result : f.write_error;
  }

  St write_ranges(uint32_t inode, const std::map<uint64_t, std::string>& ranges, bool fsync) {
    std::map<uint32_t, std::vector<ChunkIO::Piece>> by_chunk;
    for (const auto& [off, data] : ranges) {
      uint64_t done = 0;
      while (done < data.size()) {
        uint64_t o = off + done;
        uint32_t idx = static_cast<uint32_t>(o / kChunk);
        uint32_t in = static_cast<uint32_t>(o % kChunk);
        uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kChunk - in, data.size() - done));
        by_chunk[idx].push_back({in, data.data() + done, n});
        done += n;
      }
    }
    if (by_chunk.empty() && fsync) return St::kOk;
    for (auto& [idx, pieces] : by_chunk) {
      uint64_t end = 0;
      for (const auto& p : pieces) end = std::max<uint64_t>(end, uint64_t(idx) * kChunk + p.offset + p.size);
      St st = write_chunk(inode, idx, pieces, end, fsync);
      if (st != St::kOk) return st;
    }
    return St::kOk;
  }

  St write_chunk(uint32_t inode, uint32_t idx, const std::vector<ChunkIO::Piece>& pieces, uint64_t end, bool fsync) {
    St last = St::kOk;
    for (int attempt = 0; attempt <= opts_.io_retries; attempt++) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 3 ? 200 : 1000));
      msg::ClChunkReply r;
      St st = link_.call(msg::ClWriteChunk{0, inode, idx, end}, &r);
      if (st != St::kOk) return st;
      if (r.status != St::kOk) {
        last = r.status;
        if (last == St::kLocked || last == St::kNoChunkServers || last == St::kIO) continue;
        return last;
      }
      St ws = io_.write(r.locations, r.chunk_id, r.version, r.token, pieces, fsync);
      msg::ClStatusReply er;
      St es = link_.call(msg::ClWriteChunkEnd{0, inode, r.chunk_id, end, ws}, &er);
      if (ws == St::kOk) {
        if (es != St::kOk) return es;
        return er.status;
      }
      last = ws;
      // A full disk stays full for a while: the application hears ENOSPC now.
      if (ws == St::kNoSpace) break;
      log::warn("write of chunk {:016X} (inode {}, index {}) failed: {}; retrying", r.chunk_id, inode, idx,
                to_string(ws));
    }
    return last;
  }

  // Reads [off, off+size) clipped to the file length.
  St read_range(FileState& f, uint64_t off, uint64_t size, std::string* out, uint64_t* length) REQUIRES(f.mu) {
    uint32_t inode = f.inode;
    out->clear();
    uint64_t pos = off;
    uint64_t end = off + size;
    bool first = true;
    while (pos < end) {
      uint32_t idx = static_cast<uint32_t>(pos / kChunk);
      uint32_t in = static_cast<uint32_t>(pos % kChunk);
      msg::ClChunkReply r;
      St st = St::kOk;
      St last = St::kOk;
      bool done = false;
      bool cached = false;
      for (int attempt = 0; attempt <= opts_.io_retries && !done; attempt++) {
        // A location remembered from open that failed is asked for again at once.
        if (attempt > 0 && !cached) std::this_thread::sleep_for(std::chrono::milliseconds(attempt < 3 ? 200 : 1000));
        cached = idx == 0 && attempt == 0 && f.chunk0;
        if (cached) {
          r = *f.chunk0;  // a stale one fails at the chunkserver and is asked for again
          f.chunk0.reset();
        } else {
          st = link_.call(msg::ClReadChunk{0, inode, idx}, &r);
          if (st != St::kOk) return st;
        }
        if (r.status != St::kOk) {
          last = r.status;
          if (last == St::kIO) continue;  // no copy reachable right now
          return last;
        }
        if (first) {
          *length = r.file_length;
          if (off >= r.file_length) return St::kOk;
          end = std::min(end, r.file_length);
          first = false;
        }
        uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kChunk - in, end - pos));
        size_t at = out->size();
        out->resize(at + n);
        if (r.chunk_id == 0) {
          std::memset(out->data() + at, 0, n);
          done = true;
          break;
        }
        for (const auto& loc : r.locations) {
          St rs = io_.read(loc, r.chunk_id, r.version, r.token, in, n, out->data() + at);
          if (rs == St::kOk) {
            done = true;
            break;
          }
          log::warn("read of chunk {:016X} from {} failed: {}", r.chunk_id, net::to_string(loc), to_string(rs));
        }
        if (!done) out->resize(at);
      }
      if (!done) return St::kIO;  // every attempt failed (last: logged above)
      pos += std::min<uint64_t>(kChunk - in, end - pos);
    }
    return St::kOk;
  }

  Options opts_;
  MasterLink link_;
  LockClient locks_{link_};
  ChunkIO io_;
  static constexpr size_t kMaxXattrEntries = 1u << 16;
  static constexpr size_t kMaxDirEntries = 1u << 12;
  Mutex dir_mu_;  // a leaf
  std::unordered_map<uint32_t, std::pair<Attr, int64_t>> dir_attrs_
      GUARDED_BY(dir_mu_);                                                       // inode -> attrs, until (steady ms)
  Mutex xattr_mu_;                                                               // a leaf
  std::unordered_map<uint32_t, int64_t> no_xattrs_until_ GUARDED_BY(xattr_mu_);  // inode -> steady ms
  // The open handles. A leaf: never held while taking another mutex.
  Mutex handles_mu_;
  std::unordered_map<uint64_t, Handle> handles_ GUARDED_BY(handles_mu_);
  uint64_t next_fh_ GUARDED_BY(handles_mu_) = 1;
  // One FileState per open inode (lock order: FileState::mu, then its own).
  OpenFiles files_;
  std::atomic<uint64_t> total_dirty_{0};
  WorkerPool writers_{8};
};

}  // namespace

Result<std::unique_ptr<Client>> Client::create(const Options& opts) {
  auto c = std::make_unique<ClientImpl>(opts);
  if (Status s = c->start(); !s.ok()) return s;
  return std::unique_ptr<Client>(std::move(c));
}

}  // namespace antler::client

#include "daemons/master/store/store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "common/log.h"

namespace antler::master {

namespace {

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

// changelog.N.mfs and changelog_ml.N.mfs in dir.
std::vector<std::string> changelog_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const char* prefix : {"changelog", "changelog_ml"})
    for (auto& [n, path] : master::changelog_files(dir, prefix)) out.push_back(std::move(path));
  return out;
}

// Calls fn(line) for each complete line of changelog file f, without its
// '\n'. A last line with no '\n' is a torn write (the master failed or died
// while writing it, so it was never acknowledged): it is left out, and
// *torn gets it.
template <class Fn>
void for_each_line(const std::string& f, std::string* torn, Fn fn) {
  std::ifstream in(f);
  std::string line;
  torn->clear();
  while (std::getline(in, line)) {
    if (in.eof()) {  // no '\n' before the end of the file
      *torn = std::move(line);
      break;
    }
    fn(line);
  }
}

}  // namespace

Store::~Store() { finish_background(); }

int64_t Store::now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Store::open_changelog() {
  std::string p = path("changelog.0.mfs");
  changelog_ = files_->open_append(p);
  if (!changelog_) return Status::from_errno(p, errno);
  return Status();
}

// On failure the changelog may be closed; the callers that keep serving
// fail the store.
Status Store::rotate() {
  if (changelog_) {
    // A failed fsync may have lost lines already acknowledged: nothing more
    // is written until an operator has looked (failed state).
    if (changelog_->sync() < 0) return Status::from_errno(path("changelog.0.mfs") + ": fsync", errno);
    changelog_.reset();
  }
  for (int i = back_logs_ - 1; i >= 0; i--) {
    std::string from = path("changelog." + std::to_string(i) + ".mfs");
    if (exists(from) && ::rename(from.c_str(), path("changelog." + std::to_string(i + 1) + ".mfs").c_str()) < 0)
      return Status::from_errno(from + ": rename", errno);
  }
  return open_changelog();
}

void Store::image_on_disk(const std::string& img) {
  struct stat st {};
  if (::stat(img.c_str(), &st) != 0) return;
  last_save_ = {static_cast<int64_t>(st.st_mtime), 0, true};
}

Status Store::open(bool autorecover, uint64_t new_cluster_id, uint8_t root_goal, uint32_t root_trashtime,
                   uint64_t new_epoch_id) {
  std::string img = path("metadata.mfs");
  auto logs = changelog_files(dir_);
  if (!autorecover) {
    if (!exists(img)) {
      if (!logs.empty() || exists(img + ".back") || exists(path("metadata_ml.mfs.back")))
        return Status::error("no " + img + " but other metadata files exist: run 'mfsmaster -a' to recover from them");
      fs_.init_empty(new_cluster_id, now_ns(), root_goal, root_trashtime);
      log::info("no metadata in {}: created a new file system (cluster id {:016x})", dir_, new_cluster_id);
      if (Status s = fs_.save_image(img); !s.ok()) return s;
      image_on_disk(img);
      return open_changelog();
    }
    if (Status s = fs_.load_image(img); !s.ok())
      return Status(s.code(), s.message() + " (run 'mfsmaster -a' to recover from older images and changelogs)");
    // Changelogs must not hold anything newer than the image.
    for (const auto& f : logs) {
      uint64_t last = 0;
      std::string torn;
      for_each_line(f, &torn, [&](const std::string& line) {
        last = std::max<uint64_t>(last, std::strtoull(line.c_str(), nullptr, 10));
      });
      if (last > fs_.version()) {
        return Status::error(f + " holds metadata version " + std::to_string(last) + ", newer than " + img +
                             " (version " + std::to_string(fs_.version()) +
                             "): the master was not stopped cleanly; run 'mfsmaster -a'");
      }
    }
    log::info("loaded {} (version {}, {} inodes)", img, fs_.version(), fs_.node_count());
    image_on_disk(img);
    return rotate();
  }

  // -a: newest loadable image.
  std::vector<std::pair<uint64_t, std::string>> images;
  // The newest version this master's own files hold: a recovery that ends
  // past it took a metalogger's (a promotion, OpEpoch below).
  uint64_t own = 0;
  for (const std::string& cand : {img, img + ".back", path("metadata_ml.mfs.back"), path("metadata_ml.mfs")}) {
    if (!exists(cand)) continue;
    if (Result<uint64_t> v = Fs::image_version(cand)) {
      images.emplace_back(*v, cand);
      if (cand.find("metadata_ml") == std::string::npos) own = std::max(own, *v);
    }
  }
  std::sort(images.rbegin(), images.rend());
  bool loaded = false;
  for (const auto& [v, cand] : images) {
    Status s = fs_.load_image(cand);
    if (s.ok()) {
      log::info("recovery: loaded {} (version {})", cand, v);
      loaded = true;
      break;
    }
    log::warn("recovery: skipping {}: {}", cand, s.message());
  }
  if (!loaded) return Status::error("recovery: no valid metadata image in " + dir_);
  // Lines newer than the image, from every changelog, in version order.
  // Each file is already in order, so sorting the pile is cheap; a version
  // seen twice (a changelog and a metalogger's copy) is applied once.
  std::vector<std::pair<uint64_t, std::string>> pending;
  for (const auto& f : logs) {
    std::string torn;
    for_each_line(f, &torn, [&](std::string& line) {
      if (line.empty()) return;
      uint64_t v = std::strtoull(line.c_str(), nullptr, 10);
      if (f.find("/changelog_ml.") == std::string::npos) own = std::max(own, v);
      if (v > fs_.version()) pending.emplace_back(v, std::move(line));
    });
    if (!torn.empty())
      log::warn(
          "recovery: {} ends with an incomplete line (a write that failed or was cut off, never acknowledged); "
          "it is left out: '{}'",
          f, torn.size() > 80 ? torn.substr(0, 80) + "..." : torn);
  }
  std::stable_sort(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  pending.erase(
      std::unique(pending.begin(), pending.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
      pending.end());
  uint64_t applied = 0;
  for (const auto& [v, line] : pending) {
    if (v != fs_.version() + 1) {
      return Status::error("recovery: changelogs have a gap: version " + std::to_string(fs_.version() + 1) +
                           " is missing (next found: " + std::to_string(v) + ")");
    }
    auto l = parse_line(line);
    if (!l) return l.status().with_context("recovery: unreadable changelog line for version " + std::to_string(v));
    St st = fs_.apply(l->op, l->time_ns);
    if (st != St::kOk) {
      return Status::error("recovery: version " + std::to_string(v) + " does not apply (" + std::string(to_string(st)) +
                           "): metadata files are inconsistent");
    }
    fs_.set_version(v);
    applied++;
  }
  fs_.released_chunks().clear();
  log::info("recovery: applied {} changelog operations, metadata version {}", applied, fs_.version());
  if (fs_.version() > own) {
    OpEpoch epoch{fs_.epoch() + 1, new_epoch_id};
    // Recovered past this master's own files, from a metalogger's: this is
    // a promotion. A new epoch fences every master of the old one (peers
    // that have seen it refuse them; docs/protocol.md "Epochs"). It is
    // logged, and in the image saved below, before anything is served.
    if (Status s = rotate(); !s.ok()) return s.with_context("recovery");
    if (St st = commit(epoch); st != St::kOk)
      return Status::error("recovery: the new epoch could not be logged (" + std::string(to_string(st)) + ")");
    log::info(
        "recovery: metadata came from a metalogger (version {}; this folder's own files end at {}): promoted, "
        "cluster epoch {} ({:016x})",
        fs_.version() - 1, own, epoch.epoch, epoch.id);
  }
  // The recovered state is written by a child, as a periodic save is, while
  // the master already serves: the changelogs it came from stay (rotated)
  // until an image covers them, so a crash meanwhile recovers the same way.
  if (save_in_background()) return Status();
  log::warn("recovery: could not save the image in the background; saving it now");
  return save_now();
}

Status Store::wait_for_save() {
  if (saver_ <= 0) return save_now();
  finish_background();
  if (!last_save_.ok) return Status::error("the metadata image could not be saved (see above)");
  // Changes made since the fork (Master::open's purges) are in the changelog
  // only: the image must hold them too.
  return fs_.version() == saving_version_ ? Status() : save_now();
}

St Store::commit(const Op& op) {
  if (failed()) return St::kMetaFailed;
  int64_t t = now_ns();
  St st = fs_.apply(op, t);
  if (st != St::kOk) return st;
  // Applied before it is written: only apply() knows whether the operation
  // is valid, and a line must never be logged for one it refuses. If the
  // write fails, memory keeps this one change that the disk lacks; see
  // failed() for why that is safe.
  fs_.set_version(fs_.version() + 1);
  std::string line = format_line(fs_.version(), t, op);
  line += '\n';
  if (!append(line)) return St::kMetaFailed;
  if (sink_) sink_(fs_.version(), line);
  return St::kOk;
}

bool Store::append(const std::string& line) {
  if (!changelog_) {
    fail(path("changelog.0.mfs") + ": not open (version " + std::to_string(fs_.version()) + " not written)");
    return false;
  }
  ssize_t w;
  do {
    w = changelog_->write(line.data(), line.size());
  } while (w < 0 && errno == EINTR);  // nothing was written
  if (w == static_cast<ssize_t>(line.size())) return true;
  int err = errno;
  // One write(2) per line: a short one left part of the line in the file.
  // The rest is not written after it (nor anything else): a torn last line
  // is what recovery knows to leave out.
  std::string p = path("changelog.0.mfs");
  if (w < 0) {
    fail(p + ": write of version " + std::to_string(fs_.version()) + " failed: " + std::strerror(err));
  } else {
    fail(p + ": short write of version " + std::to_string(fs_.version()) + " (" + std::to_string(w) + " of " +
         std::to_string(line.size()) + " bytes written)");
  }
  return false;
}

void Store::fail(const std::string& why) {
  if (failed()) return;
  failure_ = why;
  log::error(
      "metadata store FAILED: {}. The master refuses every metadata change from now on and writes nothing "
      "more to {}; stop it, free space or replace the disk, then start it with 'mfsmaster -a' (it recovers "
      "every acknowledged change)",
      why, dir_);
}

bool Store::save_in_background() {
  // Failed: nothing more is written (the failure was logged when it came).
  if (saver_ > 0 || failed()) return false;
  if (Status s = rotate(); !s.ok()) {
    fail(s.message());
    return false;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    log::error("metadata save: fork: {}", std::strerror(errno));
    return false;
  }
  if (pid == 0) {
    Status s = fs_.save_image(path("metadata.mfs"));
    if (!s.ok()) std::fprintf(stderr, "metadata save failed: %s\n", s.message().c_str());
    ::_exit(s.ok() ? 0 : 1);
  }
  saver_ = pid;
  saving_version_ = fs_.version();
  save_started_ns_ = now_ns();
  log::info("metadata save started (version {}, pid {})", fs_.version(), pid);
  return true;
}

void Store::finish_background() {
  if (saver_ <= 0) return;
  reap(true);
}

void Store::poll_background() {
  if (saver_ <= 0) return;
  reap(false);
}

void Store::reap(bool wait) {
  int status = 0;
  pid_t r = ::waitpid(saver_, &status, wait ? 0 : WNOHANG);
  if (r == 0) return;
  bool ok = r == saver_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) {
    log::info("metadata saved");
  } else {
    log::error("metadata save failed (status {}); changelogs still hold every change", status);
  }
  saved(ok);
  saver_ = -1;
}

void Store::saved(bool ok) {
  int64_t now = now_ns();
  last_save_.end_s = now / 1000000000;
  last_save_.ms = static_cast<uint32_t>(std::max<int64_t>(0, now - save_started_ns_) / 1000000);
  last_save_.ok = ok;
}

Status Store::save_now() {
  finish_background();
  if (failed()) {
    // The image would hold the change whose line could not be written:
    // one that was refused, under a version the recovered master gives
    // to another change. The changelogs on disk stay the truth.
    return Status::error("not saved: the metadata store failed earlier (" + failure_ +
                             "); start the master with 'mfsmaster -a' once the disk is good",
                         St::kMetaFailed);
  }
  save_started_ns_ = now_ns();
  Status s = fs_.save_image(path("metadata.mfs"));
  if (s.ok()) {
    s = rotate();
    if (!s.ok()) fail(s.message());
  }
  saved(s.ok());
  return s;
}

}  // namespace antler::master

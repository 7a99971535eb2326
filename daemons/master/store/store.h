// Persistence of the metadata: the changelog and the images in DATA_PATH.
//
//   metadata.mfs        newest image (binary, fs.h / image.cc)
//   metadata.mfs.back   the previous one
//   changelog.0.mfs     operations since the last rotation, one line each
//   changelog.N.mfs     older ones, up to BACK_LOGS
// A metalogger's copies (metadata_ml.mfs.back, changelog_ml.N.mfs) are
// accepted by recovery too.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "daemons/master/fs/fs.h"
#include "daemons/master/store/log_file.h"

namespace antler::master {

class Store {
 public:
  // files: how the changelog is opened and written (a test passes one that
  // fails). REQUIRES: files outlives the store.
  Store(Fs& fs, std::string data_path, int back_logs, LogFiles* files = LogFiles::posix())
      : fs_(fs), dir_(std::move(data_path)), back_logs_(back_logs), files_(files) {}
  ~Store();

  // Normal start: loads metadata.mfs and refuses if changelogs hold newer
  // operations (unclean stop) or files are missing; a DATA_PATH without any
  // metadata creates a new file system. autorecover (-a): newest valid image
  // plus every later changelog line, refusing gaps; when that ends past what
  // this folder's own files (metadata.mfs*, changelog.N.mfs) hold, the
  // metadata came from a metalogger: a promotion, logged as OpEpoch
  // (epoch + 1, new_epoch_id). The error names -a where it helps.
  Status open(bool autorecover, uint64_t new_cluster_id, uint8_t root_goal, uint32_t root_trashtime,
              uint64_t new_epoch_id = 1);

  // Applies op now and appends its line to changelog.0.mfs. Nothing is
  // written when apply() refuses the operation (its status is returned).
  // If the line cannot be written whole, the store fails (see failed()) and
  // the change is not acknowledged: kMetaFailed. Once failed, every call
  // returns kMetaFailed and applies nothing.
  St commit(const Op& op);
  // Called with each line (with its '\n') once it is written to
  // changelog.0.mfs: the metaloggers' feed.
  void set_line_sink(std::function<void(uint64_t version, const std::string& line)> sink) { sink_ = std::move(sink); }

  // The failed state, sticky as leveldb's background error. The first write
  // of a changelog line that fails or comes up short, or a failed fsync,
  // rename or reopen of the changelog when it is rotated, puts the store in
  // it for good; one error line is logged then, and never again.
  //
  // From then on the store writes nothing to DATA_PATH: no changelog byte
  // (never anything after a torn line, which recovery drops as the torn
  // tail it is) and no image, periodic or at stop (save_in_background()
  // and save_now() refuse).
  //
  // Memory: the change whose line failed stays applied and counted in
  // version(); nothing after it is. That is safe because the change was
  // never acknowledged (commit returned kMetaFailed), nothing of it reaches
  // disk, and the master does nothing to chunkservers that the on-disk
  // metadata could need (Master::commit keeps the chunks the change
  // released; the chunk loop deletes nothing and raises no version while
  // failed). Reads may show that one change until the restart. The way out
  // is a restart with `mfsmaster -a` on a good disk: it recovers to the
  // last complete changelog line, which holds every acknowledged change.
  bool failed() const { return !failure_.empty(); }
  // Why, naming the file and the system's error text; empty while healthy.
  const std::string& failure() const { return failure_; }

  // Rotates the changelog and writes an image in a child process, so the
  // master keeps serving. Returns false if a save is still running or the
  // store has failed.
  bool save_in_background();
  // Call periodically: reaps a finished background save and logs its result.
  void poll_background();
  // Waits for a background save (also after `-a`, which saves that way) and
  // logs its result.
  void finish_background();
  // Waits for the background save under way (or saves now if none is) and
  // says whether the image reached the disk (mfsmaster restore).
  Status wait_for_save();
  // Synchronous save at shutdown. Refused (kMetaFailed, saying why) once the
  // store has failed: the image would hold the change that was refused.
  Status save_now();

  static int64_t now_ns();

  // The last image save that ended (mfscli -SIG).
  // The last image save; at start, the image the master started from (its
  // mtime, 0 ms), so an image's age is known from the start.
  struct LastSave {
    int64_t end_s = 0;  // wall clock; 0: none
    uint32_t ms = 0;    // how long it took
    bool ok = false;
  };
  const LastSave& last_save() const { return last_save_; }

 private:
  void image_on_disk(const std::string& img);  // sets last_save_ from its mtime
  Status rotate();
  Status open_changelog();
  // Writes one whole line or fails the store; true if written.
  bool append(const std::string& line);
  // Enters the failed state (once) and logs it.
  void fail(const std::string& why);
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  Fs& fs_;
  std::string dir_;
  int back_logs_;
  LogFiles* files_;
  std::unique_ptr<LogFile> changelog_;  // changelog.0.mfs
  std::string failure_;                 // the failed state: why; empty while healthy
  std::function<void(uint64_t, const std::string&)> sink_;
  pid_t saver_ = -1;
  int64_t save_started_ns_ = 0;
  LastSave last_save_;
  uint64_t saving_version_ = 0;  // of the image the background save writes
  void saved(bool ok);           // records a save that ended now
  void reap(bool wait);          // the background save's end: logs it, clears saver_
};

}  // namespace antler::master

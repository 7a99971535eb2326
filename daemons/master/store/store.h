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
#include <string>

#include "daemons/master/fs/fs.h"

namespace antler::master {

class Store {
 public:
  Store(Fs& fs, std::string data_path, int back_logs) : fs_(fs), dir_(std::move(data_path)), back_logs_(back_logs) {}
  ~Store();

  // Normal start: loads metadata.mfs and refuses if changelogs hold newer
  // operations (unclean stop) or files are missing; a DATA_PATH without any
  // metadata creates a new file system. autorecover (-a): newest valid image
  // plus every later changelog line, refusing gaps. *error names -a where it helps.
  bool open(bool autorecover, uint64_t new_cluster_id, uint8_t root_goal, uint32_t root_trashtime,
            std::string* error);

  // Applies op now and appends it to the changelog. Nothing is written when
  // apply() refuses the operation.
  St commit(const Op& op);

  // Rotates the changelog and writes an image in a child process, so the
  // master keeps serving. Returns false if a save is still running.
  bool save_in_background();
  // Call periodically: reaps a finished background save and logs its result.
  void poll_background();
  // Waits for a background save (also after `-a`, which saves that way) and
  // logs its result.
  void finish_background();
  // Synchronous save at shutdown.
  bool save_now(std::string* error);

  static int64_t now_ns();

  // The last image save that ended (mfscli -SIG).
  struct LastSave {
    int64_t end_s = 0;  // wall clock; 0: none since the start
    uint32_t ms = 0;    // how long it took
    bool ok = false;
  };
  const LastSave& last_save() const { return last_save_; }

 private:
  bool rotate(std::string* error);
  bool open_changelog(std::string* error);
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  Fs& fs_;
  std::string dir_;
  int back_logs_;
  int changelog_fd_ = -1;
  pid_t saver_ = -1;
  int64_t save_started_ns_ = 0;
  LastSave last_save_;
  void saved(bool ok);  // records a save that ended now
  void reap(bool wait);  // the background save's end: logs it, clears saver_
};

}  // namespace antler::master

// mfsmetalogger's work: follow the master's changelog on port 9419 into
// DATA_PATH, so that `mfsmaster -a` there can take over.
//
//   metadata_ml.mfs.back     the newest image (downloaded, or saved from its
//                            own copy every META_DOWNLOAD_FREQ hours)
//   metadata_ml.mfs.back.N   previous ones, BACK_META_KEEP_PREVIOUS of them
//   changelog_ml.0.mfs       lines since the last hourly rotation
//   changelog_ml.N.mfs       older ones, BACK_LOGS of them
//
// It keeps the namespace in memory too (the master's fs library), applying
// every line it writes: a line that does not apply, or a gap in the
// versions, is never written; the metalogger then reconnects and asks again
// (from its version, or for a fresh image). A restarted or reconnected
// metalogger resumes from its own last version.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/fd.h"
#include "common/metrics.h"
#include "common/net.h"
#include "common/status.h"
#include "daemons/master/fs/fs.h"
#include "daemons/metalogger/metalogger_settings.h"

namespace antler::ml {

int64_t now_ms();  // steady clock, milliseconds (the lag clock of Figures)

class Metalogger {
 public:
  Metalogger(MetaloggerSettings s, uint32_t bind_ip) : s_(std::move(s)), bind_ip_(bind_ip) {}
  ~Metalogger();

  // Reads what DATA_PATH holds to know where to resume. A folder whose files
  // do not agree (a gap, a line that does not apply) resumes with a fresh
  // image. Fails only if DATA_PATH cannot be written.
  Status open();
  void start();  // the follower thread
  void stop();   // any thread
  void wait();

  uint64_t version() const { return version_; }

  // What /metrics and /health report: published by the follower thread,
  // read by the metrics server's (any thread).
  struct Figures {
    bool connected = false;
    bool following = false;       // caught up once: lines come as the master logs them
    uint64_t synced = 0;          // on disk (fsync'd)
    uint64_t master_version = 0;  // the master's, as its last lines or heartbeat said
    int64_t caught_up_ms = 0;     // steady clock: when synced last reached master_version
    uint64_t epoch = 0;
    uint64_t image_version = 0;
    int64_t image_time_s = 0;
    uint64_t sessions = 0, images = 0, lines = 0;
    metrics::LocalHistogram fsync;  // seconds per changelog_ml fsync
    std::string last_error;         // why the last session ended
  };
  Figures figures() const;
  metrics::Exposition collect_metrics() const;
  metrics::Health health() const;

 private:
  void run();
  // One connection, until it ends; returns why.
  std::string session(net::Conn& c);
  std::string receive_image(net::Conn& c);
  // Applies and writes the lines of text; "" or why it stopped.
  std::string take_lines(uint64_t first, const std::string& text);
  // Writes the lines applied so far and fsyncs them (synced_ = version_).
  Status write_batch();
  // write_batch(), then MlAck if anything new reached the disk.
  Status sync_and_ack(net::Conn& c);
  Status open_changelog();
  Status rotate_changelogs();
  Status install_image(const std::string& tmp);  // keeps the previous ones
  Status save_own_image();
  // Writes and fsyncs a small file in DATA_PATH: can the disk take lines?
  Status probe_disk();
  int disk_failures_ = 0;  // sessions in a row after which probe_disk failed
  void sleep_s(int s);
  std::string path(const std::string& name) const { return s_.data_path + "/" + name; }

  MetaloggerSettings s_;
  uint32_t bind_ip_;
  std::unique_ptr<master::Fs> fs_ = std::make_unique<master::Fs>();
  uint64_t version_ = 0;        // the last version on disk (image or line)
  uint64_t synced_ = 0;         // the last version fsync'd (and acknowledged)
  bool need_image_ = true;      // the next registration asks for an image
  UniqueFd log_;                // changelog_ml.0.mfs
  int64_t log_opened_s_ = 0;    // for the hourly rotation
  int64_t image_saved_s_ = 0;   // steady clock, for META_DOWNLOAD_FREQ
  uint64_t image_version_ = 0;  // metadata_ml.mfs.back's (MlAck)
  int64_t image_time_s_ = 0;    // and when it was written (wall clock)
  std::string batch_;           // lines applied, not written yet
  // Group commit: for a synchronous master (MlLines.sync) what has arrived
  // is written and fsync'd at once, as the master waits for the
  // acknowledgement, and lines that arrive meanwhile make the next batch;
  // otherwise a burst is written once nothing more comes for kGroupMs.
  // Either way a burst that keeps coming is cut kGroupMaxMs after its start.
  static constexpr int kGroupMs = 2;
  static constexpr int64_t kGroupMaxMs = 50;
  bool sync_ = false;  // the last MlLines' sync
  int64_t burst_start_ms_ = 0;

  // Updates the figures under their lock (follower thread).
  template <class F>
  void publish(F&& f) {
    std::lock_guard<std::mutex> g(fig_mu_);
    f(fig_);
  }
  mutable std::mutex fig_mu_;
  Figures fig_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;  // with mu_: stop
  std::atomic<int> fd_{-1};     // the connection, to shut down on stop
};

}  // namespace antler::ml

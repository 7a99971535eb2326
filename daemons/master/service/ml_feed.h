// The metaloggers' port (9419): each connected metalogger gets the
// changelog lines it lacks (or an image and the lines after it), then every
// line as the master logs it. Catching up reads files (metadata.mfs,
// changelog.N.mfs) on a thread of its own, never on the loop's; lines logged
// meanwhile wait in the peer's queue. A metalogger that falls too far behind
// is disconnected (it reconnects and catches up from files again): no
// metalogger can stall the master.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/msg/base.h"
#include "daemons/master/fs/fs.h"
#include "daemons/master/service/loop.h"

namespace antler::master {

class MlFeed {
 public:
  // dir: the master's DATA_PATH (metadata.mfs, changelog.N.mfs).
  MlFeed(Loop& loop, const Fs& fs, std::string dir) : loop_(loop), fs_(fs), dir_(std::move(dir)) {}
  ~MlFeed();  // joins the catch-up threads

  // The listener's calls, on the loop thread.
  bool on_frame(const LinkPtr& link, uint32_t type, std::string_view payload);
  void on_close(const LinkPtr& link);
  // A line (with its '\n') was written to the changelog under version.
  void on_line(uint64_t version, const std::string& line);
  // Every second: an empty MlLines to each metalogger that follows, so that
  // a quiet master is not taken for a lost one (MASTER_TIMEOUT).
  void tick();

  struct PeerInfo {
    std::string peer;     // address:port
    std::string version;  // its software version
    uint64_t acked = 0;   // the last version it has on disk
    uint64_t sent = 0;    // the last version queued to it
    bool live = false;    // caught up: lines go out as they are logged
    int64_t since_ms = 0;
    uint32_t ip = 0;
    uint16_t port = 0;
    uint64_t image_version = 0;
    int64_t image_time_s = 0;  // 0: not told yet
  };
  std::vector<PeerInfo> peers() const;
  // What each registered metalogger has on disk (SyncGate::update).
  std::vector<uint64_t> acked() const;
  // Master::hello_epoch, for each metalogger's Hello.
  using EpochCheck = std::function<bool(const msg::Hello&, const LinkPtr&, const char*, msg::HelloReply*)>;
  void set_epoch_check(EpochCheck f) { epoch_check_ = std::move(f); }
  // Whether the master waits for acknowledgements (MlLines.sync).
  void set_sync(bool sync) { sync_ = sync; }
  // Called on the loop thread whenever acked() changes.
  void set_on_acks(std::function<void()> fn) { on_acks_ = std::move(fn); }

  // Lines kept for a metalogger that is still catching up, at most (else
  // it is disconnected and catches up again from the files).
  static constexpr size_t kMaxPending = 256u << 20;

 private:
  struct Peer {
    LinkPtr link;
    PeerInfo info;
    std::string pending;  // lines logged while it catches up, or not flushed yet
    uint64_t pending_first = 0;
  };
  // Sends the lines the followers got since the last flush: one frame per
  // metalogger per turn of the loop, not one per line.
  void flush();
  bool flush_posted_ = false;
  bool on_hello(const LinkPtr& link, std::string_view payload);
  bool on_register(const LinkPtr& link, std::string_view payload);
  void reap_threads();

  void acks_changed() {
    if (on_acks_) on_acks_();
  }
  std::function<void()> on_acks_;
  bool sync_ = false;
  EpochCheck epoch_check_;
  Loop& loop_;
  const Fs& fs_;
  std::string dir_;
  std::unordered_map<uint64_t, Peer> peers_;  // by Link::id, registered ones
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace antler::master

// The master's /metrics and /health (common/metrics.h, docs/metrics.md).
// Both are answered on the loop thread, from what the master keeps anyway:
// no walk of the namespace or the chunk table per scrape (chunk health is
// the chunk loop's last complete pass).
#include <chrono>
#include <ctime>

#include "common/log.h"
#include "common/messages.h"
#include "common/metrics.h"
#include "daemons/master/master.h"

namespace antler::master {

namespace {

// Client requests by message type, as the label "request" shows them.
struct RequestName {
  uint32_t type;
  const char* name;
};
constexpr RequestName kRequests[] = {
    {msg::ClLookup::kType, "lookup"},
    {msg::ClGetattr::kType, "getattr"},
    {msg::ClSetattr::kType, "setattr"},
    {msg::ClMknod::kType, "mknod"},
    {msg::ClUnlink::kType, "unlink"},
    {msg::ClSymlink::kType, "symlink"},
    {msg::ClReadlink::kType, "readlink"},
    {msg::ClRename::kType, "rename"},
    {msg::ClLink::kType, "link"},
    {msg::ClReaddir::kType, "readdir"},
    {msg::ClStatfs::kType, "statfs"},
    {msg::ClAccess::kType, "access"},
    {msg::ClOpen::kType, "open"},
    {msg::ClRelease::kType, "release"},
    {msg::ClReadChunk::kType, "read_chunk"},
    {msg::ClWriteChunk::kType, "write_chunk"},
    {msg::ClWriteChunkEnd::kType, "write_chunk_end"},
    {msg::ClToolGet::kType, "tool_get"},
    {msg::ClToolSet::kType, "tool_set"},
    {msg::ClSnapshot::kType, "snapshot"},
    {msg::ClAppendChunks::kType, "append_chunks"},
    {msg::ClQuota::kType, "quota"},
    {msg::ClTrashList::kType, "trash_list"},
    {msg::ClUndel::kType, "undel"},
    {msg::ClTrashPurge::kType, "trash_purge"},
    {msg::ClFileInfo::kType, "file_info"},
    {msg::ClFilePaths::kType, "file_paths"},
    {msg::ClDirInfo::kType, "dir_info"},
    {msg::ClFileRepair::kType, "file_repair"},
    {msg::ClGetXattr::kType, "getxattr"},
    {msg::ClListXattr::kType, "listxattr"},
    {msg::ClSetXattr::kType, "setxattr"},
    {msg::ClRemoveXattr::kType, "removexattr"},
    {msg::ClLock::kType, "lock"},
    {msg::ClLockCancel::kType, "lock_cancel"},
    {msg::ClGetLock::kType, "getlock"},
    {msg::ClAppend::kType, "append"},
};

constexpr int kAnswerMs = 2000;  // how long /metrics and /health wait for the loop

const char* sync_state(SyncGate::Mode m) {
  switch (m) {
    case SyncGate::Mode::kOff: return "off";
    case SyncGate::Mode::kSync: return "sync";
    case SyncGate::Mode::kServing: return "serving unsynced";
    case SyncGate::Mode::kRefusing: return "refusing changes";
  }
  return "?";
}

}  // namespace

void Master::count_request(uint32_t type, double seconds) {
  auto it = request_latency_.find(type);
  if (it == request_latency_.end()) {
    bool known = false;
    for (const RequestName& r : kRequests) known |= r.type == type;
    if (!known) return;
    it = request_latency_.emplace(type, metrics::LocalHistogram()).first;
  }
  it->second.observe(seconds);
}

metrics::Exposition Master::collect_metrics() const {
  metrics::Exposition e;
  const Fs& fs = fs_;
  e.gauge("antler_master_metadata_version",
          "The master's metadata version (changes applied since the file system began).",
          static_cast<double>(fs.version()));
  e.gauge("antler_master_epoch", "The cluster epoch: promotions of a metalogger since the file system began.",
          static_cast<double>(fs.epoch()));
  e.gauge("antler_master_up", "1 while this master serves (metadata loaded, not stepped down, store healthy).",
          stepped_down_ || store_.failed() ? 0 : 1);
  e.gauge("antler_master_stepped_down", "1 once a newer master exists and this one stopped serving changes.",
          stepped_down_ ? 1 : 0);
  e.gauge("antler_master_metadata_store_ok",
          "0 once the changelog could not be written: changes are refused until a restart with -a.",
          store_.failed() ? 0 : 1);
  e.gauge("antler_master_fs_objects", "Files, directories and other nodes in the namespace, trash included.",
          static_cast<double>(fs.node_count()));
  e.gauge("antler_master_trash_bytes", "Length of the files in the trash.", static_cast<double>(fs.trash_bytes()));
  e.gauge("antler_master_chunks", "Chunks in the metadata.", static_cast<double>(fs.chunks().size()));
  e.gauge("antler_master_sessions", "Mount sessions, connected or sustained.", static_cast<double>(sessions_.size()));
  e.gauge("antler_master_connections", "Open connections on all of the master's ports.",
          static_cast<double>(loop_.connections()));

  // Chunk health, as the chunk loop's last complete pass found it.
  const ChunkCounts& c = chunk_loop_.last();
  const char* kHealth = "Chunks by state in the chunk loop's last complete pass.";
  e.gauge("antler_master_chunk_health", kHealth, static_cast<double>(c.missing), {{"state", "missing"}});
  e.gauge("antler_master_chunk_health", kHealth, static_cast<double>(c.endangered), {{"state", "endangered"}});
  e.gauge("antler_master_chunk_health", kHealth, static_cast<double>(c.under_goal), {{"state", "undergoal"}});
  e.gauge("antler_master_chunk_health", kHealth, static_cast<double>(c.over_goal), {{"state", "overgoal"}});
  e.gauge("antler_master_chunk_loop_chunks", "Chunks the chunk loop's last complete pass looked at.",
          static_cast<double>(c.chunks));
  e.gauge("antler_master_stale_copies", "Copies of an old version found by the chunk loop's last complete pass.",
          static_cast<double>(c.stale_copies));
  const ChunkLoopTotals& t = chunk_loop_.totals();
  e.counter("antler_master_chunk_loop_passes_total", "Complete passes of the chunk loop.",
            static_cast<double>(t.passes));
  const char* kRep = "Replications the master asked for, by outcome.";
  e.counter("antler_master_replications_total", kRep, static_cast<double>(t.replications_done), {{"result", "done"}});
  e.counter("antler_master_replications_total", kRep, static_cast<double>(t.replications_failed),
            {{"result", "failed"}});
  const char* kDel = "Copy deletions the master asked for, by outcome.";
  e.counter("antler_master_deletions_total", kDel, static_cast<double>(t.deletions_done), {{"result", "done"}});
  e.counter("antler_master_deletions_total", kDel, static_cast<double>(t.deletions_failed), {{"result", "failed"}});
  e.counter("antler_master_rebalance_replications_total", "Replications started to even out disk use.",
            static_cast<double>(t.rebalanced));

  // Chunkservers and their space.
  uint64_t up = 0, down = 0, total = 0, used = 0;
  for (const auto& [id, s] : chunks_.servers()) {
    if (!s.connected()) {
      down++;
      continue;
    }
    up++;
    total += s.total;
    used += s.used;
  }
  const char* kCs = "Chunkservers the master knows, connected or not.";
  e.gauge("antler_master_chunkservers", kCs, static_cast<double>(up), {{"state", "connected"}});
  e.gauge("antler_master_chunkservers", kCs, static_cast<double>(down), {{"state", "disconnected"}});
  e.gauge("antler_master_space_total_bytes", "Space of the connected chunkservers' disks.", static_cast<double>(total));
  e.gauge("antler_master_space_used_bytes", "Space used on the connected chunkservers' disks.",
          static_cast<double>(used));

  // Metadata images.
  const Store::LastSave& ls = store_.last_save();
  if (ls.end_s > 0) {
    e.gauge("antler_master_image_last_save_timestamp_seconds", "When the last image save ended (Unix time).",
            static_cast<double>(ls.end_s));
    e.gauge("antler_master_image_last_save_duration_seconds", "How long the last image save took.", ls.ms / 1e3);
    e.gauge("antler_master_image_last_save_success", "1 if the last image save succeeded.", ls.ok ? 1 : 0);
  }

  // Metaloggers and SYNC_METALOGGERS.
  std::vector<MlFeed::PeerInfo> peers = ml_feed_->peers();
  e.gauge("antler_master_metaloggers", "Metaloggers connected.", static_cast<double>(peers.size()));
  for (const MlFeed::PeerInfo& p : peers) {
    e.gauge("antler_master_metalogger_lag_versions",
            "Metadata versions a metalogger lacks on disk (the master's version less its acknowledged one).",
            static_cast<double>(fs.version() > p.acked ? fs.version() - p.acked : 0), {{"metalogger", p.peer}});
  }
  SyncGate::Stats g = sync_stats();
  e.gauge("antler_master_sync_metaloggers",
          "SYNC_METALOGGERS: metaloggers that must have a change before it is answered.", g.n);
  for (SyncGate::Mode m :
       {SyncGate::Mode::kOff, SyncGate::Mode::kSync, SyncGate::Mode::kServing, SyncGate::Mode::kRefusing})
    e.gauge("antler_master_sync_state", "The SYNC_METALOGGERS state (1 for the current one).", g.mode == m ? 1 : 0,
            {{"state", sync_state(m)}});
  e.gauge("antler_master_sync_waiting_answers", "Answers held until metaloggers have the change.",
          static_cast<double>(g.held));
  e.gauge("antler_master_sync_oldest_wait_seconds", "How long the oldest held answer has waited.",
          g.oldest_wait_ms / 1e3);
  e.counter("antler_master_sync_answers_total", "Answers that waited for metaloggers.",
            static_cast<double>(g.released_total));
  e.counter("antler_master_sync_wait_seconds_total", "Time answers waited for metaloggers, summed.",
            static_cast<double>(g.wait_us_total) / 1e6);
  e.counter("antler_master_sync_refused_changes_total", "Changes refused (EROFS) while no metalogger could take them.",
            static_cast<double>(g.refused_total));
  e.counter("antler_master_sync_fallbacks_total", "Times SYNC_METALOGGERS_TIMEOUT passed without enough metaloggers.",
            static_cast<double>(g.fallbacks_total));

  e.histogram("antler_master_scrape_duration_seconds",
              "Time the master's loop spent gathering these figures, per scrape (the text is written elsewhere).",
              scrape_latency_);
  // Client requests: how long the master spent on each (its own time; an
  // answer held for metaloggers waits after this).
  for (const RequestName& r : kRequests) {
    auto it = request_latency_.find(r.type);
    if (it == request_latency_.end()) continue;
    e.histogram("antler_master_request_duration_seconds", "Time the master spent handling client requests, by type.",
                it->second, {{"request", r.name}});
  }
  return e;
}

metrics::Health Master::health() const {
  if (stepped_down_) return {false, "stepped down: a master of a newer epoch exists; this one refuses changes"};
  if (store_.failed())
    return {false, "metadata store failed: " + store_.failure() + " (changes refused; restart with -a)"};
  std::string r = fmt::format("serving: metadata version {}, epoch {}", fs_.version(), fs_.epoch());
  SyncGate::Stats g = sync_stats();
  if (g.mode == SyncGate::Mode::kRefusing) r += "; changes refused: fewer than SYNC_METALOGGERS metaloggers";
  else if (g.mode == SyncGate::Mode::kServing) r += "; serving changes no metalogger has (SYNC_METALOGGERS fallback)";
  return {true, r};
}

Status Master::start_metrics() {
  if (settings_.metrics_port == 0) return Status::ok_status();
  auto post = [this](std::function<void()> fn) { loop_.post(std::move(fn)); };
  metrics::Server::Handlers h;
  h.collect = [this, post]() -> std::optional<metrics::Exposition> {
    return metrics::ask_on<metrics::Exposition>(
        post,
        [this] {
          auto t0 = std::chrono::steady_clock::now();
          metrics::Exposition e = collect_metrics();
          scrape_latency_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
          return e;
        },
        kAnswerMs);
  };
  h.health = [this, post]() {
    auto r = metrics::ask_on<metrics::Health>(
        post, [this] { return health(); }, kAnswerMs);
    return r ? *r : metrics::Health{false, "main loop did not answer within 2 s"};
  };
  auto s = metrics::Server::start(settings_.metrics_host, settings_.metrics_port, "mfsmaster", std::move(h));
  if (!s) return s.status();
  metrics_ = std::move(*s);
  log::info("metrics on port {} (/metrics, /health)", metrics_->port());
  return Status::ok_status();
}

}  // namespace antler::master

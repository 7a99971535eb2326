// The metalogger's /metrics and /health (common/metrics.h, docs/metrics.md),
// from the figures its follower thread publishes.
#include <ctime>

#include "common/log.h"
#include "daemons/metalogger/metalogger.h"

namespace antler::ml {

Metalogger::Figures Metalogger::figures() const {
  std::lock_guard<std::mutex> g(fig_mu_);
  return fig_;
}

metrics::Exposition Metalogger::collect_metrics() const {
  Figures f = figures();
  metrics::Exposition e;
  e.gauge("antler_metalogger_connected", "1 while connected to the master.", f.connected ? 1 : 0);
  e.gauge("antler_metalogger_following", "1 while lines come as the master logs them (caught up once).",
          f.following ? 1 : 0);
  e.gauge("antler_metalogger_metadata_version", "The last metadata version on this metalogger's disk (fsync'd).",
          static_cast<double>(f.synced));
  e.gauge("antler_metalogger_master_metadata_version", "The master's metadata version, as it last said.",
          static_cast<double>(f.master_version));
  e.gauge("antler_metalogger_lag_versions", "Versions the master has that this metalogger has not on disk.",
          static_cast<double>(f.master_version > f.synced ? f.master_version - f.synced : 0));
  double lag_s = f.caught_up_ms ? static_cast<double>(now_ms() - f.caught_up_ms) / 1e3 : 0;
  e.gauge("antler_metalogger_last_caught_up_seconds",
          "Seconds since this metalogger last had every version the master had told it of.", lag_s);
  e.gauge("antler_metalogger_epoch", "The cluster epoch of the metadata it follows.", static_cast<double>(f.epoch));
  if (f.image_time_s > 0) {
    e.gauge("antler_metalogger_image_version", "Metadata version of its newest metadata_ml.mfs.back.",
            static_cast<double>(f.image_version));
    e.gauge("antler_metalogger_image_timestamp_seconds", "When its newest metadata_ml.mfs.back was written.",
            static_cast<double>(f.image_time_s));
  }
  e.counter("antler_metalogger_sessions_total", "Connections to the master that ended.",
            static_cast<double>(f.sessions));
  e.counter("antler_metalogger_image_downloads_total", "Images downloaded from the master.",
            static_cast<double>(f.images));
  e.counter("antler_metalogger_changelog_lines_total", "Changelog lines written and fsync'd.",
            static_cast<double>(f.lines));
  e.histogram("antler_metalogger_fsync_duration_seconds", "Time of each changelog_ml fsync (one per group commit).",
              f.fsync);
  return e;
}

metrics::Health Metalogger::health() const {
  Figures f = figures();
  std::string master = s_.master_host + ":" + std::to_string(s_.master_port);
  if (!f.connected)
    return {false, "not connected to master " + master + (f.last_error.empty() ? "" : ": " + f.last_error)};
  if (!f.following)
    return {false, fmt::format("catching up with master {}: version {} of {}", master, f.synced, f.master_version)};
  int64_t behind_ms = f.caught_up_ms ? now_ms() - f.caught_up_ms : 0;
  if (behind_ms > int64_t{s_.health_max_lag_s} * 1000)
    return {false, fmt::format("lagging: {} versions behind master {} for {:.1f} s (HEALTH_MAX_LAG {} s)",
                               f.master_version > f.synced ? f.master_version - f.synced : 0, master,
                               static_cast<double>(behind_ms) / 1e3, s_.health_max_lag_s)};
  return {true, fmt::format("following master {}: metadata version {} on disk", master, f.synced)};
}

}  // namespace antler::ml

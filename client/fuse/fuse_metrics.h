// mfsmount's /metrics and /health (docs/metrics.md): every FUSE operation
// timed by a wrapper around the operation table, bytes read and written,
// and the session's state from the client core.
#pragma once

#include <fuse_lowlevel.h>

#include <cstdint>

#include "client/client.h"
#include "common/metrics.h"

namespace antler::mount {

// The operation table ops, each operation wrapped to count and time it
// (the time until the handler returns: the reply, for every operation but
// a lock request that waits).
fuse_lowlevel_ops timed_ops(const fuse_lowlevel_ops& ops);

void count_read_bytes(uint64_t n);
void count_written_bytes(uint64_t n);

// What /metrics shows, from any thread.
metrics::Exposition mount_metrics(client::Client& c);
// 200 while the session is connected to the master.
metrics::Health mount_health(client::Client& c, const std::string& master);

}  // namespace antler::mount

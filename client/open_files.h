// The files a client has open: one FileState per inode, shared by every
// handle of that inode from its first open to its last release, so that
// what one handle buffers is seen (flushed) by reads, flushes and
// truncations through any other.
//
// Lock order: FileState::mu, then OpenFiles' own mutex (a leaf: held only
// to look up or change the table, never while waiting or taking another
// lock). The client's handle table (fh -> state) is another leaf, never
// held together with either.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/msg/client.h"
#include "common/mutex.h"
#include "common/status.h"

namespace antler::client {

// Per-inode state shared by every handle of one open file.
struct FileState {
  explicit FileState(uint32_t ino) : inode(ino) {}

  const uint32_t inode;

  // Held across a synchronous flush (requests to the master and the
  // chunkservers), so never while taking FileState::mu of another file.
  Mutex mu;
  CondVar cv;  // with mu: signalled when a background batch finishes

  // Set when the last handle was released and the state left the table
  // (OpenFiles::release). Then nobody refers to it but calls already under
  // way with a stale pointer: they must not buffer data in it (no release
  // would ever flush it), so they fail as on a closed handle.
  bool closed GUARDED_BY(mu) = false;
  std::map<uint64_t, std::string> dirty GUARDED_BY(mu);  // offset -> data, non-overlapping
  size_t dirty_bytes GUARDED_BY(mu) = 0;
  uint64_t dirty_end GUARDED_BY(mu) = 0;    // highest offset+size buffered or in flight
  bool flushing GUARDED_BY(mu) = false;     // a batch is being written in the background
  St write_error GUARDED_BY(mu) = St::kOk;  // sticky until reported by flush/fsync
  // Read-ahead buffer.
  uint64_t ra_off GUARDED_BY(mu) = 0;
  std::string ra GUARDED_BY(mu);
  uint64_t last_read_end GUARDED_BY(mu) = UINT64_MAX;
  // Where chunk 0 was at open, for the first read (see ClOpenReply).
  std::optional<msg::ClChunkReply> chunk0 GUARDED_BY(mu);
};

class OpenFiles {
 public:
  OpenFiles() = default;
  OpenFiles(const OpenFiles&) = delete;
  OpenFiles& operator=(const OpenFiles&) = delete;

  // Counts one more handle of inode and returns the state every handle of
  // inode shares (a new one if none is open). The state stays in the table,
  // not closed, until this handle's release().
  std::shared_ptr<FileState> open(uint32_t inode) EXCLUDES(mu_);

  // The state of inode while some handle of it is open, else nullptr.
  // Its last handle may be released right after: check `closed` under mu.
  std::shared_ptr<FileState> find(uint32_t inode) EXCLUDES(mu_);

  // Counts one handle of f released. At the last one, f leaves the table
  // (the next open() of the inode makes a new state), f.closed is set, and
  // true is returned.
  // REQUIRES: f came from open(), this handle was not released before, and
  // what was buffered is written: f.dirty is empty and !f.flushing (so a
  // state leaves the table only when no handle, no buffered data and no
  // background write refer to it; f.mu held from that check to here).
  bool release(FileState& f) REQUIRES(f.mu) EXCLUDES(mu_);

  // Inodes with open handles, and handles of inode (tests, diagnostics).
  size_t size() EXCLUDES(mu_);
  int handles(uint32_t inode) EXCLUDES(mu_);

 private:
  struct Entry {
    std::shared_ptr<FileState> state;
    int handles = 0;  // > 0 while in the table
  };
  Mutex mu_;  // after FileState::mu
  std::unordered_map<uint32_t, Entry> files_ GUARDED_BY(mu_);
};

}  // namespace antler::client

// Chunk files on the local disks of a chunkserver.
//
// A chunk lives in <disk>/<XX>/chunk_<ID:16 hex>_<VERSION:8 hex>.mfs where
// XX = id & 0xFF. The file is an 8 KiB header followed by the data:
//   0..7      magic "ANTCHNK1"
//   8..15     chunk id (u64 LE)
//   16..19    version (u32 LE)
//   20..4095  zeros
//   4096..8191  1024 x u32 LE CRC32C, one per 64 KiB block
// The data length is the file size minus the header. A block's CRC always
// covers the full 64 KiB block, zero-padded past the data length, so blocks
// beyond the data carry crc32c_zeros(64 KiB). docs/chunkserver.md has more.
//
// Thread safety: every method may be called from any thread. A store mutex
// guards the chunk map; each chunk has its own mutex for its file. Lock
// order: store mutex, then a chunk mutex, never the reverse.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/fd.h"
#include "common/msg/base.h"
#include "common/msg/master_cs.h"
#include "common/status.h"
#include "daemons/chunkserver/storage/hdd_config.h"

namespace antler::cs {

constexpr uint32_t kHeaderSize = 8192;
constexpr uint32_t kCrcOffset = 4096;
constexpr char kMagic[8] = {'A', 'N', 'T', 'C', 'H', 'N', 'K', '1'};

struct SpaceTotals {
  uint64_t total = 0;  // bytes usable for chunks (disks not marked for removal)
  uint64_t used = 0;
  uint32_t chunks = 0;  // all chunks, removal disks included
};

// Data I/O of one disk since the start (client reads and writes, incoming
// replicas, fsyncs): bytes, operations and their time in microseconds.
struct DiskIo {
  uint64_t rbytes = 0, wbytes = 0;
  uint64_t rops = 0, wops = 0, fsyncs = 0;
  uint64_t r_us = 0, w_us = 0, fsync_us = 0;
  DiskIo operator-(const DiskIo& o) const {
    return {rbytes - o.rbytes, wbytes - o.wbytes, rops - o.rops, wops - o.wops,
            fsyncs - o.fsyncs, r_us - o.r_us,     w_us - o.w_us, fsync_us - o.fsync_us};
  }
};

struct DiskState {
  std::string path;
  DiskIo io;  // totals since the start
  bool removal = false;
  bool move_out = false, move_in = false;  // '<' and '>' markers
  uint64_t total = 0, used = 0, avail = 0;
  uint32_t chunks = 0;
  uint64_t errors = 0;  // I/O errors seen
  bool failed = false;  // taken out of service after too many I/O errors
  bool full = false;    // a write found it full: no new chunks or blocks until it has room
};

class ChunkStore {
  struct Chunk;

 public:
  struct Disk;  // one folder of mfshdd.cfg (chunk_store.cc)
  struct Options {
    uint64_t leave_space_default = 0;  // HDD_LEAVE_SPACE_DEFAULT, for disks without a limit
    // A disk with more than error_count I/O errors within error_period_s
    // seconds is taken out of service (HDD_ERROR_TOLERANCE_COUNT/PERIOD).
    uint32_t error_count = 2;
    uint32_t error_period_s = 600;
  };

  ChunkStore();
  ~ChunkStore();
  ChunkStore(const ChunkStore&) = delete;
  ChunkStore& operator=(const ChunkStore&) = delete;

  // Locks the disks, creates the 256 subfolders and scans the chunk files.
  // On failure returns a one-line reason ("ORIGIN: PATH: in use by another
  // chunkserver ...").
  Status init(const std::vector<DiskSpec>& disks, const Options& opts);

  // Master commands.
  St create(uint64_t id, uint32_t version);
  St remove(uint64_t id, uint32_t version);  // version 0: any
  St set_version(uint64_t id, uint32_t version, uint32_t new_version);
  St truncate(uint64_t id, uint32_t version, uint32_t new_version, uint32_t length);
  // A new chunk new_id at new_version with the data of id at version (every
  // block's CRC checked on the way), cut or zero-extended to length bytes
  // (msg::CsDuplicate::kKeepLength: the same length). kExist if new_id is here.
  St duplicate(uint64_t id, uint32_t version, uint64_t new_id, uint32_t new_version, uint32_t length);

  // Version and data length of a chunk; false if absent.
  bool lookup(uint64_t id, uint32_t* version, uint32_t* length) const;
  std::vector<msg::ChunkRef> list() const;
  // Ids of the chunks on disks marked for removal ('*').
  std::vector<uint64_t> removal_chunks() const;
  size_t count() const;
  // Re-reads the file system sizes (statvfs) of every disk.
  void refresh_space();
  // Chunks of disks taken out of service since the last call: they are no
  // longer here (their files are left alone) and the master must learn that
  // these copies are gone. The server keeps serving from its other disks.
  std::vector<uint64_t> take_failed_chunks();
  // Moves one chunk between local disks as the '<' and '>' markers of
  // mfshdd.cfg ask (a chunk open for I/O waits for a later step). Returns
  // the bytes copied; 0 when there is nothing to move now.
  uint64_t move_step();
  SpaceTotals space() const;
  std::vector<DiskState> disks() const;
  // The longest read, write and fsync (µs) of each disk since the last call
  // (for one caller: the heartbeat, which keeps them per second).
  std::vector<std::array<uint32_t, 3>> take_io_max();

  // An open chunk, for reading and writing data. Keeps the file open and its
  // CRC table in memory until the last handle of the chunk goes away.
  class Handle {
   public:
    Handle() = default;
    ~Handle() { reset(); }
    Handle(Handle&& o) noexcept : store_(o.store_), chunk_(std::move(o.chunk_)) { o.store_ = nullptr; }
    Handle& operator=(Handle&& o) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    bool valid() const { return chunk_ != nullptr; }
    void reset();
    uint64_t id() const;
    uint32_t length() const;
    // Reads block `block` (64 KiB, zero-padded past the data length) into buf
    // and checks its CRC: kCrc on mismatch, kIO on a read error, kNoChunk if
    // the chunk was deleted meanwhile. *crc gets the block's CRC, *length the
    // data length at that moment.
    St read_block(uint32_t block, char* buf, uint32_t* crc, uint32_t* length);
    // Writes data inside one block (read-modify-write; the old block's CRC is
    // checked first when the write does not cover the whole block).
    St write(uint32_t offset, const char* data, uint32_t size);
    St fsync();

   private:
    friend class ChunkStore;
    ChunkStore* store_ = nullptr;
    std::shared_ptr<Chunk> chunk_;
  };
  // kNoChunk if absent, kWrongVersion if present at another version.
  St open(uint64_t id, uint32_t version, Handle* out);

  // A chunk being copied in from another server: written to a temporary file,
  // then put in place by commit() (replacing any local copy of another
  // version). Destroying an uncommitted replica removes its file.
  class Replica {
   public:
    Replica() = default;
    ~Replica() { abort(); }
    Replica(const Replica&) = delete;
    Replica& operator=(const Replica&) = delete;
    // A piece within one block, whose CRC the caller has checked.
    St write(uint32_t offset, const char* data, uint32_t size);
    St commit(uint32_t length);
    void abort();

   private:
    friend class ChunkStore;
    ChunkStore* store_ = nullptr;
    uint64_t id_ = 0;
    uint32_t version_ = 0;
    int disk_ = -1;
    UniqueFd fd_;
    std::string tmp_path_;
    std::vector<uint32_t> crc_;
    std::vector<bool> full_;  // blocks whose CRC came with a full-block piece
  };
  St begin_replica(uint64_t id, uint32_t version, Replica* out);

  // File name of a chunk (tests, logs).
  std::string chunk_path(uint64_t id, uint32_t version) const;
  static std::string file_name(uint64_t id, uint32_t version);

 private:
  std::string path_of(int disk, uint64_t id, uint32_t version) const;
  int pick_disk();  // -1 if no disk has room
  void scan_disk(int disk);
  St open_file(Chunk& c);  // with c.mu held
  void close_file(Chunk& c);
  // Counts an I/O error of disk (logged with what); returns the status for
  // it. ENOSPC and EDQUOT are not errors: they mark the disk full (kNoSpace).
  St io_error(int disk, const std::string& what, int err);
  void add_bytes(int disk, int64_t delta);
  St remove_locked(Chunk& c);  // store and chunk mutex held

  Options opts_;
  std::vector<std::unique_ptr<Disk>> disks_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, std::shared_ptr<Chunk>> chunks_;
  std::atomic<uint64_t> tmp_seq_{0};
  std::vector<uint64_t> move_batch_;  // chunks on source disks, next to move (under mu_)
};

}  // namespace antler::cs

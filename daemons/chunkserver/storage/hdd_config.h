// mfshdd.cfg: the list of disk folders a chunkserver stores chunks in.
//
//   /mnt/hd1                 a disk
//   */mnt/hd2                marked for removal: chunks are still served and
//                            replicated away, no new chunk is placed there
//   /mnt/hd3  200GiB         use at most 200 GiB of that file system
//   /mnt/hd4  -50GiB         leave at least 50 GiB free
//   </mnt/hd5                its chunks move to the other local disks
//   >/mnt/hd6                chunks of the other local disks move here (with
//                            '<' disks too: only from those)
//   ~/mnt/hd7                accepted (MooseFS: size changes tolerated)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace antler::cs {

struct DiskSpec {
  std::string path;       // without a trailing slash
  bool removal = false;   // leading '*'
  bool move_out = false;  // leading '<'
  bool move_in = false;   // leading '>'
  int64_t limit = 0;      // > 0: use at most; < 0: leave that much free; 0: HDD_LEAVE_SPACE_DEFAULT
  std::string origin;     // "file:line", for messages
};

// Parses a size such as "256M", "256MiB", "10GB", "-5G" (powers of 1024).
bool parse_size(const std::string& text, int64_t& out);

// Reads and checks mfshdd.cfg: every folder must exist and be writable.
// On error returns a one-line "FILE:LINE: reason".
Result<std::vector<DiskSpec>> load_hdd_config(const std::string& file);

}  // namespace antler::cs

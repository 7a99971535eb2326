// Cluster epochs, as the peers of a master keep them (fencing): each
// promotion of a metalogger (mfsmaster -a from its files) starts a new
// epoch, a number one higher with a random id. A chunkserver, metalogger or
// mount that has seen an epoch refuses a master of an older one, or another
// master of the same one; a master that hears of a newer one steps down.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace antler {

struct Epoch {
  uint64_t epoch = 0;  // 0: none seen yet
  uint64_t id = 0;
};

// Why a peer that has seen `seen` must not follow a master at `master`, or
// "" if it may (then `master` is what it has seen from now on, when newer).
std::string epoch_refusal(const Epoch& seen, const Epoch& master);

// The epoch kept in a file ("EPOCH ID\n", hex id): none if the file is
// missing; an error if it cannot be read or parsed.
Result<Epoch> read_epoch_file(const std::string& path);
// Writes it (a temporary file, fsync, rename): what a peer has seen
// survives its restart.
Status write_epoch_file(const std::string& path, const Epoch& e);

}  // namespace antler

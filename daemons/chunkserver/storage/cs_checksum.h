// The checksum of one chunk copy, as CsChecksum asks for it (mfsfileinfo -c
// and -s). docs/protocol.md and docs/tools.md describe what it covers.
#pragma once

#include <cstdint>

#include "common/msg/data.h"
#include "daemons/chunkserver/storage/chunk_store.h"

namespace antler::cs {

// Reads every block of chunk `id` at `version` up to its data length and
// returns the reply: status kNoChunk / kWrongVersion when this server does
// not hold that copy, kIO on a read error; otherwise ok with the block count,
// the digest (MD5 over the blocks' CRC32Cs as computed from the data read)
// and how many blocks did not match their stored CRC. `buf` is 64 KiB of
// scratch space.
msg::CsChecksumReply copy_checksum(ChunkStore& store, uint64_t id, uint32_t version, char* buf);

}  // namespace antler::cs

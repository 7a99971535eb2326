#include "daemons/chunkserver/storage/cs_checksum.h"

#include <nettle/md5.h>

#include <cstring>

namespace antler::cs {

msg::CsChecksumReply copy_checksum(ChunkStore& store, uint64_t id, uint32_t version, char* buf) {
  msg::CsChecksumReply r;
  r.chunk_id = id;
  r.version = version;
  ChunkStore::Handle h;
  St st = store.open(id, version, &h);
  if (st != St::kOk) {
    r.status = st;
    return r;
  }
  md5_ctx ctx;
  md5_init(&ctx);
  uint32_t length = h.length();
  uint32_t blocks = static_cast<uint32_t>((uint64_t{length} + msg::kBlockSize - 1) / msg::kBlockSize);
  for (uint32_t b = 0; b < blocks; b++) {
    uint32_t crc = 0;
    st = h.read_block(b, buf, &crc, nullptr);
    if (st == St::kCrc) {
      r.bad_blocks++;  // crc is that of the data as read
    } else if (st != St::kOk) {
      r.status = st;
      return r;
    }
    uint8_t le[4] = {static_cast<uint8_t>(crc), static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc >> 16),
                     static_cast<uint8_t>(crc >> 24)};
    md5_update(&ctx, sizeof le, le);
  }
  r.blocks = blocks;
  r.digest.assign(MD5_DIGEST_SIZE, '\0');
  md5_digest(&ctx, MD5_DIGEST_SIZE, reinterpret_cast<uint8_t*>(r.digest.data()));
  r.status = St::kOk;
  return r;
}

}  // namespace antler::cs

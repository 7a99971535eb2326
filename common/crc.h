// CRC32C (Castagnoli) of data blocks, computed by ISA-L.
#pragma once

#include <cstddef>
#include <cstdint>

namespace antler {

uint32_t crc32c(const void* data, size_t size, uint32_t seed = 0);
// CRC32C of `size` zero bytes (cached for the 64 KiB block size).
uint32_t crc32c_zeros(size_t size);

}  // namespace antler

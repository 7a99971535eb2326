#include "common/crc.h"

#include <isa-l/crc.h>

#include <vector>

#include "common/msg/base.h"

namespace antler {

uint32_t crc32c(const void* data, size_t size, uint32_t seed) {
  // crc32_iscsi takes and returns the raw register; invert for standard CRC32C.
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), static_cast<int>(size), ~seed);
}

uint32_t crc32c_zeros(size_t size) {
  static const uint32_t block = [] {
    std::vector<char> z(msg::kBlockSize, 0);
    return crc32c(z.data(), z.size());
  }();
  if (size == msg::kBlockSize) return block;
  std::vector<char> z(size, 0);
  return crc32c(z.data(), z.size());
}

}  // namespace antler

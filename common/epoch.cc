#include "common/epoch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <fstream>

#include "common/fd.h"

namespace antler {

std::string epoch_refusal(const Epoch& seen, const Epoch& master) {
  char b[256];
  if (master.epoch < seen.epoch) {
    std::snprintf(b, sizeof b,
                  "the master has cluster epoch %" PRIu64 ", older than epoch %" PRIu64
                  " seen before: a stale master (another was promoted since); not following it",
                  master.epoch, seen.epoch);
    return b;
  }
  if (master.epoch == seen.epoch && seen.epoch != 0 && master.id != seen.id) {
    std::snprintf(b, sizeof b,
                  "the master has cluster epoch %" PRIu64 " with id %016" PRIx64 ", but epoch %" PRIu64
                  " seen before has id %016" PRIx64
                  ": two masters were promoted from the same metadata; not following this one",
                  master.epoch, master.id, seen.epoch, seen.id);
    return b;
  }
  return "";
}

Result<Epoch> read_epoch_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Epoch{};
    return Status::from_errno(path, errno);
  }
  Epoch e;
  std::string id;
  if (!(in >> e.epoch >> id) || id.size() != 16) return Status::error(path + ": not an epoch file (EPOCH ID)");
  char* end = nullptr;
  e.id = std::strtoull(id.c_str(), &end, 16);
  if (*end != '\0') return Status::error(path + ": not an epoch file (EPOCH ID)");
  return e;
}

Status write_epoch_file(const std::string& path, const Epoch& e) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return Status::from_errno(tmp, errno);
  char b[64];
  int n = std::snprintf(b, sizeof b, "%" PRIu64 " %016" PRIx64 "\n", e.epoch, e.id);
  if (Status s = write_all(fd.get(), std::string_view(b, static_cast<size_t>(n))); !s.ok()) return s.with_context(tmp);
  if (::fsync(fd.get()) < 0) return Status::from_errno(tmp + ": fsync", errno);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) return Status::from_errno(tmp + ": rename", errno);
  return Status();
}

}  // namespace antler

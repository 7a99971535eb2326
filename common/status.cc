#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace antler {

namespace {
struct Entry {
  St st;
  int err;
  std::string_view text;
};
constexpr Entry kTable[] = {
    {St::kOk, 0, "ok"},
    {St::kPerm, EPERM, "operation not permitted"},
    {St::kNoEnt, ENOENT, "no such file or directory"},
    {St::kIO, EIO, "input/output error"},
    {St::kAccess, EACCES, "permission denied"},
    {St::kExist, EEXIST, "file exists"},
    {St::kNotDir, ENOTDIR, "not a directory"},
    {St::kIsDir, EISDIR, "is a directory"},
    {St::kInval, EINVAL, "invalid argument"},
    {St::kNotEmpty, ENOTEMPTY, "directory not empty"},
    {St::kNoSpace, ENOSPC, "no space left"},
    {St::kRoFs, EROFS, "read-only file system"},
    {St::kNameTooLong, ENAMETOOLONG, "file name too long"},
    {St::kTooBig, EFBIG, "file too large"},
    {St::kMLink, EMLINK, "too many links"},
    {St::kNoChunk, ENXIO, "no such chunk"},
    {St::kWrongVersion, ESTALE, "wrong chunk version"},
    {St::kCrc, EIO, "CRC mismatch"},
    {St::kNoChunkServers, ENOSPC, "not enough chunkservers"},
    {St::kBadSession, ENOTCONN, "unknown session"},
    {St::kDisconnected, ENOTCONN, "disconnected"},
    {St::kProtocol, EPROTO, "protocol error"},
    {St::kNotSup, EOPNOTSUPP, "operation not supported"},
    {St::kXDev, EXDEV, "cross-device link"},
    {St::kLoop, ELOOP, "too many levels of symbolic links"},
    {St::kAgain, EAGAIN, "try again"},
    {St::kRange, ERANGE, "result out of range"},
    {St::kNoData, ENODATA, "no data available"},
    {St::kTimeout, ETIMEDOUT, "timed out"},
    {St::kLocked, EAGAIN, "chunk locked"},
    {St::kArgTooBig, E2BIG, "argument list too long"},
    {St::kInterrupted, EINTR, "interrupted"},
    {St::kDeadlock, EDEADLK, "resource deadlock avoided"},
    {St::kQuota, EDQUOT, "disk quota exceeded"},
    {St::kMetaFailed, EIO, "metadata store failed"},
    {St::kBadToken, EACCES, "no valid chunk access token"},
};
}  // namespace

std::string_view to_string(St s) {
  for (const auto& e : kTable)
    if (e.st == s) return e.text;
  return "unknown status";
}

int to_errno(St s) {
  for (const auto& e : kTable)
    if (e.st == s) return e.err;
  return EIO;
}

St from_errno(int err) {
  for (const auto& e : kTable)
    if (e.err == err) return e.st;
  return St::kIO;
}

Status::Status(St code, std::string message) {
  if (code != St::kOk) rep_ = std::make_shared<const Rep>(Rep{code, std::move(message)});
}

Status Status::from_errno(std::string_view what, int err) {
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  return Status(antler::from_errno(err), std::move(m));
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::to_string() const {
  if (!rep_) return "ok";
  if (!rep_->message.empty()) return rep_->message;
  return std::string(antler::to_string(rep_->code));
}

Status Status::with_context(std::string_view prefix) const {
  if (!rep_) return *this;
  std::string m(prefix);
  m += ": ";
  m += rep_->message.empty() ? std::string(antler::to_string(rep_->code)) : rep_->message;
  return Status(rep_->code, std::move(m));
}

}  // namespace antler

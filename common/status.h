// Status codes shared by every component and carried on the wire as u8.
// Numbers are frozen once released; append new ones, never reuse a number.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace antler {

enum class St : uint8_t {
  kOk = 0,
  kPerm = 1,             // EPERM
  kNoEnt = 2,            // ENOENT
  kIO = 3,               // EIO
  kAccess = 4,           // EACCES
  kExist = 5,            // EEXIST
  kNotDir = 6,           // ENOTDIR
  kIsDir = 7,            // EISDIR
  kInval = 8,            // EINVAL
  kNotEmpty = 9,         // ENOTEMPTY
  kNoSpace = 10,         // ENOSPC
  kRoFs = 11,            // EROFS
  kNameTooLong = 12,     // ENAMETOOLONG
  kTooBig = 13,          // EFBIG
  kMLink = 14,           // EMLINK
  kNoChunk = 15,         // chunk does not exist on this server
  kWrongVersion = 16,    // chunk exists with another version
  kCrc = 17,             // CRC mismatch while reading
  kNoChunkServers = 18,  // no (or too few) chunkservers to place a chunk
  kBadSession = 19,      // session id unknown to the master
  kDisconnected = 20,    // peer went away
  kProtocol = 21,        // malformed or unexpected message
  kNotSup = 22,          // EOPNOTSUPP
  kXDev = 23,            // EXDEV
  kLoop = 24,            // ELOOP
  kAgain = 25,           // EAGAIN: retry later
  kRange = 26,           // ERANGE
  kNoData = 27,          // ENODATA
  kTimeout = 28,         // ETIMEDOUT
  kLocked = 29,          // chunk is being written by another client
  kArgTooBig = 30,       // E2BIG (an extended attribute value over 64 KiB)
  kInterrupted = 31,     // EINTR: a waiting lock request was cancelled
  kDeadlock = 32,        // EDEADLK: a POSIX lock wait would deadlock
  kQuota = 33,           // EDQUOT: a directory quota would be exceeded
  kMetaFailed = 34,      // EIO: the master's changelog could not be written; it refuses every change
  kBadToken = 35,        // a chunkserver refused a request without a valid chunk access token
};

std::string_view to_string(St s);
int to_errno(St s);
St from_errno(int e);

// The result of an operation that can fail with a reason: a code and a
// one-line message ("FILE:LINE: KEY: reason", "bind 127.0.0.1:9421: address
// in use"). An OK Status holds nothing and costs one pointer, as leveldb's.
// Replaces `bool f(..., std::string* error)`.
class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(St code, std::string message);
  static Status ok_status() { return Status(); }
  // An error whose code is kInval unless given: configs, arguments, files.
  static Status error(std::string message, St code = St::kInval) { return Status(code, std::move(message)); }
  // An error from a failed system call: "what: strerror(errno)", code from errno.
  static Status from_errno(std::string_view what, int err);

  bool ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return ok(); }
  St code() const { return rep_ ? rep_->code : St::kOk; }
  // The message alone ("" when OK).
  const std::string& message() const;
  // The message, or "ok".
  std::string to_string() const;
  // The same error with "prefix: " in front of its message (OK stays OK).
  Status with_context(std::string_view prefix) const;

 private:
  struct Rep {
    St code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // null when OK; shared so copies are cheap
};

// A value or the Status that says why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(google-explicit-constructor): must not be OK

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace antler

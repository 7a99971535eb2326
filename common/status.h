// Status codes shared by every component and carried on the wire as u8.
// Numbers are frozen once released; append new ones, never reuse a number.
#pragma once

#include <cstdint>
#include <string_view>

namespace antler {

enum class St : uint8_t {
  kOk = 0,
  kPerm = 1,          // EPERM
  kNoEnt = 2,         // ENOENT
  kIO = 3,            // EIO
  kAccess = 4,        // EACCES
  kExist = 5,         // EEXIST
  kNotDir = 6,        // ENOTDIR
  kIsDir = 7,         // EISDIR
  kInval = 8,         // EINVAL
  kNotEmpty = 9,      // ENOTEMPTY
  kNoSpace = 10,      // ENOSPC
  kRoFs = 11,         // EROFS
  kNameTooLong = 12,  // ENAMETOOLONG
  kTooBig = 13,       // EFBIG
  kMLink = 14,        // EMLINK
  kNoChunk = 15,      // chunk does not exist on this server
  kWrongVersion = 16, // chunk exists with another version
  kCrc = 17,          // CRC mismatch while reading
  kNoChunkServers = 18,  // no (or too few) chunkservers to place a chunk
  kBadSession = 19,   // session id unknown to the master
  kDisconnected = 20, // peer went away
  kProtocol = 21,     // malformed or unexpected message
  kNotSup = 22,       // EOPNOTSUPP
  kXDev = 23,         // EXDEV
  kLoop = 24,         // ELOOP
  kAgain = 25,        // EAGAIN: retry later
  kRange = 26,        // ERANGE
  kNoData = 27,       // ENODATA
  kTimeout = 28,      // ETIMEDOUT
  kLocked = 29,       // chunk is being written by another client
  kArgTooBig = 30,    // E2BIG (an extended attribute value over 64 KiB)
  kInterrupted = 31,  // EINTR: a waiting lock request was cancelled
  kDeadlock = 32,     // EDEADLK: a POSIX lock wait would deadlock
  kQuota = 33,        // EDQUOT: a directory quota would be exceeded
  kMetaFailed = 34,   // EIO: the master's changelog could not be written; it refuses every change
};

std::string_view to_string(St s);
int to_errno(St s);
St from_errno(int e);

}  // namespace antler

// mfsmount's lock operations: flock(2) (FUSE flock) and fcntl(2) byte-range
// locks (FUSE getlk/setlk), held across every mount of the file system
// through the master. A waiting request blocks its FUSE thread; a FUSE
// interrupt (signal to the waiting process) cancels it with EINTR.
// mfsnobsdlocks / mfsnoposixlocks leave locks to the kernel (local to one
// mount), as in MooseFS.
#pragma once

#include <fcntl.h>

#include <cstdint>

#include "client/fuse/fuse_ops.h"

namespace antler::mount {

void op_getlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock);
void op_setlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock, int sleep);
void op_flock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op);
// At close (FUSE flush): the POSIX locks of fi->lock_owner on ino go. At the
// last close (FUSE release with flock_release): the flock lock goes.
void release_posix_locks(Fs* fs, fuse_ino_t ino, const fuse_file_info* fi);
void release_flock(Fs* fs, fuse_ino_t ino, const fuse_file_info* fi);

// ---- conversions, exposed for tests

// struct flock (l_start, l_len as libfuse passes them: l_len 0 = to the end
// of the file) to an inclusive range; false for a negative start or length.
bool flock_range(const struct flock& l, uint64_t* start, uint64_t* end);
// Back: fills l_start and l_len from an inclusive range.
void range_to_flock(uint64_t start, uint64_t end, struct flock* l);
// F_RDLCK/F_WRLCK/F_UNLCK to msg::LockType (0 for anything else), and back.
uint8_t lock_type(short l_type);
short flock_type(uint8_t type);

}  // namespace antler::mount

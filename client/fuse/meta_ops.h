// The meta file system of `mfsmount -m`: the trash and the sustained files.
//
//   /trash/INODE|path|to|file   deleted files in the trash (readable);
//                               unlink purges, rename into undel/ restores
//   /trash/undel/               the rename target that restores
//   /sustained/INODE            deleted files still open somewhere
//
// Everything is asked of the master (ClTrashList, ClUndel, ClTrashPurge)
// through Client::tool(); file data is read like any file.
#pragma once

#include "client/fuse/fuse_ops.h"

namespace antler::mount {

// The operations table of the meta mount; the session's userdata is an Fs*.
const fuse_lowlevel_ops& meta_ops();

// Name of a trash entry for inode and path ("0000002A|a|b"), at most 255
// bytes; and the inode a name starts with (0 if none).
std::string trash_name(uint32_t inode, const std::string& path);
uint32_t trash_inode(const char* name);

}  // namespace antler::mount

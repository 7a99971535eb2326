// Every message of the Antler wire protocol, for code that must cover them
// all (the codec tests, the fuzzer) and for the check that message numbers
// are unique. Code that speaks one port includes that port's header from
// common/msg/ instead.
//   1..99    handshake and generic            msg/base.h
//   100..169 client/tools <-> master (9421)   msg/client.h, msg/cli.h (162..169)
//   170..199 tools through the mount          msg/tools.h
//   200..229 chunkserver <-> master (9420)    msg/master_cs.h
//   230..237 metalogger <-> master (9419)     msg/metalogger.h
//   238..239 mfscli -SMB <-> master (9421)    msg/metalogger.h
//   300..399 anyone <-> chunkserver (9422)    msg/data.h
#pragma once

#include <algorithm>
#include <array>

#include "common/msg/base.h"
#include "common/msg/cli.h"
#include "common/msg/client.h"
#include "common/msg/data.h"
#include "common/msg/master_cs.h"
#include "common/msg/metalogger.h"
#include "common/msg/tools.h"

namespace antler::msg {

template <class... T>
struct TypeList {};
using AllMessages =
    TypeList<Hello, HelloReply, ClRegister, ClRegisterReply, ClChallenge, ClChallengeReply, ClStatusReply, ClAttrReply,
             ClLookup, ClGetattr, ClSetattr, ClMknod, ClUnlink, ClSymlink, ClReadlink, ClReadlinkReply, ClRename,
             ClLink, ClReaddir, ClReaddirReply, ClStatfs, ClStatfsReply, ClAccess, ClOpen, ClOpenReply, ClRelease,
             ClReadChunk, ClChunkReply, ClWriteChunk, ClWriteChunkEnd, ClGetXattr, ClXattrReply, ClListXattr,
             ClSetXattr, ClRemoveXattr, CsRegister, CsRegisterReply, CsSpace, CsCreate, CsDelete, CsSetVersion,
             CsTruncate, CsDuplicate, CsReplicate, CsOpStatus, CsChunkDamaged, CsRead, CsReadData, CsReadStatus,
             CsWriteInit, CsWriteData, CsWriteStatus, CsWriteEnd, ClToolGet, ClToolGetReply, ClToolSet, ClToolSetReply,
             ClSnapshot, ClAppendChunks, ClQuota, ClQuotaReply, ClTrashList, ClTrashListReply, ClUndel, ClTrashPurge,
             ClLock, ClLockCancel, ClGetLock, ClGetLockReply, ClAppend, ClAppendReply, ClFileInfo, ClFileInfoReply,
             ClFilePaths, ClFilePathsReply, ClDirInfo, ClDirInfoReply, ClFileRepair, ClFileRepairReply, CsStopping,
             CsTokenKey, CliInfo, CliInfoReply, CliServers, CliServersReply, CliCommand, CliCommandReply, CliMissing,
             CliMissingReply, CsChecksum, CsChecksumReply, MlRegister, MlRegisterReply, MlImage, MlLines, MlAck,
             CliMetaloggers, CliMetaloggersReply>;

// True iff no two messages of the list share a type number.
template <class... T>
constexpr bool unique_types(TypeList<T...>) {
  std::array<uint32_t, sizeof...(T)> types{T::kType...};
  std::sort(types.begin(), types.end());
  return std::adjacent_find(types.begin(), types.end()) == types.end();
}
static_assert(unique_types(AllMessages{}), "two messages share a type number");

}  // namespace antler::msg

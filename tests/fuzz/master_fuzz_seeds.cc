// The seed inputs of master_fuzz: scenarios that reach each kind of
// handler with valid requests (the fuzzer mutates from there), and the
// inputs of the known findings (README.md).
#include <filesystem>
#include <fstream>

#include "daemons/master/fs/fs.h"
#include "tests/fuzz/master_fuzz.h"

namespace antler::master::fuzz {

namespace {

std::string build(const std::function<void(Out&, const Tree&)>& f, const Tree& t) {
  Out o;
  f(o, t);
  return o.str();
}

}  // namespace

void write_seeds(const std::string& dir, const Tree& tree) {
  const msg::Cred root{0, 0, {}};
  const msg::Cred user{1000, 1000, {1000}};
  using namespace msg;
  std::vector<std::function<void(Out&, const Tree&)>> seeds = {
      // Data path in a subfolder session: open, write (both servers
      // confirm), end, read, release.
      [&](Out& o, const Tree& t) {
        put_request(o, kSub, ClLookup{1, root, 1, "a"});
        put_request(o, kSub, ClOpen{2, root, t.a, 6, false, false});
        put_request(o, kSub, ClWriteChunk{3, t.a, 1, (64u << 20) + 5});
        put_answer(o, 0);
        put_answer(o, 1);
        put_request(o, kSub, ClWriteChunkEnd{4, t.a, 0, (64u << 20) + 5, St::kOk});
        put_request(o, kSub, ClReadChunk{5, t.a, 1});
        put_request(o, kSub, ClAppend{6, t.a, 4096});
        put_request(o, kSub, ClSetattr{7, root, t.a, kSetSize, 0, 0, 0, 10, 0, 0, true});
        put_answer(o, 0);
        put_answer(o, 1);
        put_request(o, kSub, ClRelease{8, t.a});
      },
      // Namespace changes in a subfolder session.
      [&](Out& o, const Tree& t) {
        put_request(o, kSub, ClMknod{1, root, 1, "n", kFile, 0644, 0, true, true, 6, 022});
        put_request(o, kSub, ClRename{2, root, 1, "n", t.d, "m", 0});
        put_request(o, kSub, ClLink{3, root, t.a, t.d, "l"});
        put_request(o, kSub, ClRename{4, root, t.d, "l", 1, "a", kRenameExchange});
        put_request(o, kSub, ClSymlink{5, root, 1, "s2", "/x"});
        put_request(o, kSub, ClReadlink{6, t.s});
        put_request(o, kSub, ClReaddir{7, root, 1, 0, 100});
        put_request(o, kSub, ClUnlink{8, root, 1, "d", true});
        put_request(o, kSub, ClUnlink{9, root, t.d, "m", false});
        put_request(o, kSub, ClLookup{10, root, 1, ".."});
        put_request(o, kSub, ClGetattr{11, t.x});
      },
      // A directory the subfolder session holds open moves out of its tree.
      [&](Out& o, const Tree& t) {
        put_request(o, kSub, ClOpen{1, root, t.d, 4, false, false});
        put_request(o, kAdmin, ClRename{2, root, t.sub, "d", kRootInode, "d", 0});
        put_request(o, kSub, ClLookup{3, root, t.d, ".."});
        put_request(o, kSub, ClReaddir{4, root, t.d, 0, 10});
        put_request(o, kSub, ClMknod{5, root, t.d, "escaped", kFile, 0644, 0, true, false, 0, 0});
      },
      // The meta session: trash and sustained files.
      [&](Out& o, const Tree& t) {
        put_request(o, kMeta, ClTrashList{1, root, kListTrash, 0, 10});
        put_request(o, kMeta, ClTrashList{2, root, kListSustained, 0, 10});
        put_request(o, kMeta, ClOpen{3, root, t.f, 4, false, false});
        put_request(o, kMeta, ClFilePaths{4, root, t.f});
        put_request(o, kMeta, ClUndel{5, root, t.f});
        put_request(o, kAdmin, ClUnlink{6, root, t.sub, "a", false});
        put_request(o, kMeta, ClTrashPurge{7, root, t.a});
        put_request(o, kMeta, ClRelease{8, t.f});
        put_request(o, kMeta, ClLookup{9, root, 1, "x"});
      },
      // Tools: goal, trash time, eattr, snapshot, append chunks, quota, diagnostics.
      [&](Out& o, const Tree& t) {
        put_request(o, kAdmin, ClToolSet{1, root, t.sub, kAttrGoal, 3, kSetExact, true});
        put_request(o, kAdmin, ClToolGet{2, root, kRootInode, kAttrGoal, true});
        put_request(o, kAdmin, ClSnapshot{3, root, t.sub, t.pub, "snap", kSnapKeepLinks, 022});
        put_request(o, kAdmin, ClSnapshot{4, root, t.a, t.sub, "a", kSnapOverwrite, 022});
        put_request(o, kAdmin, ClAppendChunks{5, root, t.x, t.a});
        put_request(o, kAdmin, ClWriteChunk{6, t.a, 0, 100});
        put_answer(o, 0);
        put_answer(o, 1);
        put_request(o, kSub, ClToolSet{7, root, 1, kAttrEattr, kEattrImmutable, kSetAddBits, true});
        put_request(o, kAdmin, ClDirInfo{8, root, kRootInode, true});
        put_request(o, kAdmin, ClFileInfo{9, root, t.x});
        put_request(o, kAdmin, ClFileRepair{10, root, t.x});
        put_request(o, kPub, ClQuota{11, root, 1, kQuotaGet, 0, {}, false, 0});
      },
      // Locks across sessions, a wait, a cancel, a session that goes away.
      [&](Out& o, const Tree& t) {
        put_request(o, kSub, ClLock{1, root, t.a, 7, kLockPosix, kLockWrite, 0, 100, 42, false, false});
        put_request(o, kAdmin, ClLock{2, root, t.a, 8, kLockPosix, kLockWrite, 50, ~0ull, 43, true, false});
        put_request(o, kAdmin, ClGetLock{3, root, t.a, 9, kLockRead, 0, 10, 44});
        put_request(o, kSub, ClLock{4, root, t.a, 7, kLockFlock, kLockWrite, 0, 0, 42, true, false});
        put_request(o, kAdmin, ClLockCancel{5, t.a, 8, kLockPosix});
        put_close(o, kClientClose, kSub);
        put_request(o, kSub, ClLock{6, root, t.a, 7, kLockPosix, kLockUnlock, 0, ~0ull, 42, false, true});
      },
      // Extended attributes and ACLs.
      [&](Out& o, const Tree& t) {
        const auto& pool = string_pool();
        put_request(o, kSub, ClSetXattr{1, root, t.a, "system.posix_acl_access", pool[pool.size() - 3], 0});
        put_request(o, kSub, ClSetXattr{2, root, 1, "system.posix_acl_default", pool[pool.size() - 4], 0});
        put_request(o, kSub, ClMknod{3, user, 1, "inherits", kFile, 0666, 0, true, false, 0, 022});
        put_request(o, kSub, ClGetXattr{4, user, t.a, "user.a", 0});
        put_request(o, kSub, ClListXattr{5, user, t.a, 100});
        put_request(o, kSub, ClRemoveXattr{6, root, t.a, "user.a"});
        put_request(o, kSub, ClAccess{7, user, t.a, 6});
      },
      // mfscli: monitoring, maintenance, removal of a disconnected server.
      [&](Out& o, const Tree&) {
        put_request(o, kCliAdmin, CliInfo{1});
        put_request(o, kCliAdmin, CliServers{2});
        put_request(o, kCliAdmin, CliCommand{3, kCliMaintenanceOn, Location{kCsIp, kCsPorts[0]}});
        put_close(o, kCsClose, 0);
        put_request(o, kCliAdmin, CliCommand{4, kCliRemoveServer, Location{kCsIp, kCsPorts[0]}});
        put_request(o, kCliAdmin, CliMissing{5});
        put_request(o, kCliOther, CliCommand{6, kCliMaintenanceOff, Location{kCsIp, kCsPorts[1]}});
      },
      // mapall session in a directory with a quota.
      [&](Out& o, const Tree& t) {
        put_request(o, kPub, ClMknod{1, root, 1, "big", kFile, 0644, 0, true, true, 6, 0});
        put_request(o, kPub, ClSetattr{2, user, t.p, kSetUid | kSetGid | kSetMode, 04755, 0, 0, 0, 0, 0, false});
        put_request(o, kPub, ClWriteChunk{3, t.p, 20, 21ull << 26});
        put_request(o, kPub, ClAppend{4, t.p, 1ull << 31});
        put_request(o, kPub, ClToolSet{5, user, 1, kAttrTrashtime, 100000, kSetExact, true});
      },
      // The password export, and registrations on a registered link.
      [&](Out& o, const Tree&) {
        put_request(o, kPriv, ClRegister{1, "/priv", "", 0, "again", false, true, ANTLER_VERSION_NUM});
        put_request(o, kPriv, ClChallengeReply{1, std::string(32, '\0')});
        put_request(o, kRo, ClRegister{2, "/sub", "", 0, "switch", false, false, 0});
        put_request(o, kRo, ClMknod{3, root, 1, "ro", kFile, 0644, 0, true, false, 0, 0});
        put_request(o, kBare, ClGetattr{4, 1});
      },
      // Chunkservers come back with stale copies, report damage, stop.
      [&](Out& o, const Tree& t) {
        put_close(o, kCsClose, 1);
        o.byte(kCsMessage);  // chunkserver 1 reconnects: one stale copy, one on a removal disk
        o.byte(1);
        o.byte(2);
        o.byte(1);
        o.byte(index_of(cs_messages(), CsChunkDamaged::kType));  // then reports chunk 1 damaged
        put(o, uint64_t{1});
        o.byte(0);
        put_request(o, kAdmin, ClReadChunk{1, t.x, 0});
        put_request(o, kAdmin, ClOpen{2, root, t.x, 6, false, false});
        put_request(o, kAdmin, ClWriteChunk{3, t.x, 0, 10});
        put_answer(o, 0, 0xC5);
        put_answer(o, 1);
      },
  };
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < seeds.size(); i++)
    std::ofstream(dir + "/seed-" + std::to_string(i), std::ios::binary) << build(seeds[i], tree);
}

// The known findings (tests/fuzz/README.md), as inputs: each breaks an
// invariant (or the budget) when run with ANTLER_MASTER_FUZZ_STRICT=1.
void write_findings(const std::string& dir, const Tree& tree) {
  const msg::Cred root{0, 0, {}};
  using namespace msg;
  std::vector<std::pair<std::string, std::function<void(Out&, const Tree&)>>> findings = {
      // A chunk id is reserved without a changelog line: the creation fails
      // on both servers, and a recovery would hand the same id out again.
      {"unlogged-chunk-id",
       [&](Out& o, const Tree& t) {
         put_request(o, kAdmin, ClOpen{1, root, t.x, 6, false, false});
         put_request(o, kAdmin, ClWriteChunk{2, t.x, 1, 1});
         put_answer(o, 0, 0xC2);  // kIO
         put_answer(o, 1, 0xC2);
       }},
      // /sub/d, held open by the /sub session, is moved to / by the admin:
      // the /sub session's ".." of it is the file system's root.
      {"open-dir-dotdot",
       [&](Out& o, const Tree& t) {
         put_request(o, kSub, ClOpen{1, root, t.d, 4, false, false});
         put_request(o, kAdmin, ClRename{2, root, t.sub, "d", kRootInode, "d", 0});
         put_request(o, kSub, ClLookup{3, root, t.d, ".."});
       }},
      // ... and the /sub session creates a file outside its export.
      {"open-dir-create",
       [&](Out& o, const Tree& t) {
         put_request(o, kSub, ClOpen{1, root, t.d, 4, false, false});
         put_request(o, kAdmin, ClRename{2, root, t.sub, "d", kRootInode, "d", 0});
         put_request(o, kSub, ClMknod{3, root, t.d, "escaped", kFile, 0644, 0, true, false, 0, 0});
       }},
      // A file of 4 PiB (one setattr), then mfsfileinfo of it: 2^26 entries.
      {"fileinfo-of-4pib-file",
       [&](Out& o, const Tree& t) {
         put_request(o, kSub, ClSetattr{1, root, t.a, kSetSize, 0, 0, 0, kMaxFileLength, 0, 0, false});
         put_request(o, kSub, ClFileInfo{2, root, t.a});
       }},
      // One chunk written at the last slot: a chunk table of 2^26 slots.
      {"chunk-at-last-slot",
       [&](Out& o, const Tree& t) {
         put_request(o, kSub, ClOpen{1, root, t.a, 6, false, false});
         put_request(o, kSub, ClWriteChunk{2, t.a, kMaxChunksPerFile - 1, kMaxFileLength});
         put_answer(o, 0);
         put_answer(o, 1);
       }},
  };
  std::filesystem::create_directories(dir);
  for (const auto& [name, f] : findings) std::ofstream(dir + "/" + name, std::ios::binary) << build(f, tree);
}

}  // namespace antler::master::fuzz

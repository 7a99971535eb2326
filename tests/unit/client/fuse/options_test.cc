#include "client/fuse/options.h"
#include "common/auth.h"

#include <gtest/gtest.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "client/fuse/fuse_ops.h"

namespace antler::mount {
namespace {

// A configuration file that exists for the duration of a test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/mfsmount_test_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Parses a command line. Tests name a configuration file (no_file() gives an
// empty one) to keep the machine's own /etc/mfs/mfsmount.cfg out of them.
Status parse(std::vector<std::string> args, MountConfig* cfg) {
  args.insert(args.begin(), "mfsmount");
  return parse_mount_config(args, cfg);
}

std::string no_file() {
  static TempFile empty("");
  return "-omfscfgfile=" + empty.path();
}

TEST(MountOptions, Defaults) {
  TempFile empty("");
  MountConfig cfg;
  ASSERT_EQ(parse({"/mnt/mfs", "-c", empty.path()}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.mountpoint, "/mnt/mfs");
  EXPECT_EQ(cfg.client.master_host, "mfsmaster");
  EXPECT_EQ(cfg.client.master_port, 9421);
  EXPECT_EQ(cfg.client.subdir, "/");
  EXPECT_DOUBLE_EQ(cfg.attr_cache_s, 1.0);
  EXPECT_DOUBLE_EQ(cfg.entry_cache_s, 0.0);
  EXPECT_DOUBLE_EQ(cfg.direntry_cache_s, 1.0);
  EXPECT_FALSE(cfg.foreground);
  EXPECT_TRUE(cfg.fuse_options.empty());
}

TEST(MountOptions, MetricsPort) {
  TempFile empty("");
  MountConfig cfg;
  ASSERT_EQ(parse({"/mnt/mfs", "-c", empty.path()}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.metrics_port, 9433);  // on by default, where free
  EXPECT_FALSE(cfg.metrics_port_given);
  EXPECT_EQ(cfg.metrics_host, "*");
  MountConfig asked;
  ASSERT_EQ(
      parse({"/mnt/mfs", "-c", empty.path(), "-o", "mfsmetricsport=9533,mfsmetricshost=10.0.0.1"}, &asked).to_string(),
      "ok");
  EXPECT_EQ(asked.metrics_port, 9533);
  EXPECT_TRUE(asked.metrics_port_given);  // then it must be free
  EXPECT_EQ(asked.metrics_host, "10.0.0.1");
  MountConfig off;
  ASSERT_EQ(parse({"/mnt/mfs", "-c", empty.path(), "-o", "mfsmetricsport=0"}, &off).to_string(), "ok");
  EXPECT_EQ(off.metrics_port, 0);
  MountConfig bad;
  std::string err = parse({"/mnt/mfs", "-c", empty.path(), "-o", "mfsmetricsport=70000"}, &bad).message();
  EXPECT_NE(err.find("mfsmetricsport"), std::string::npos) << err;
}

TEST(MountOptions, MfsOptions) {
  TempFile empty("");
  MountConfig cfg;
  Status s = parse({"-c", empty.path(), "-o",
                    "mfsmaster=m1,mfsport=9521,mfssubfolder=data,mfspassword=secret,mfsioretries=5,"
                    "mfswritecachesize=256,mfsreadaheadsize=8M,mfsattrcacheto=2.5,mfsentrycacheto=0.5,"
                    "mfsdirentrycacheto=3,mfsnegentrycacheto=1,mfscachemode=DIRECT",
                    "/mnt/x"},
                   &cfg);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(cfg.client.master_host, "m1");
  EXPECT_EQ(cfg.client.master_port, 9521);
  EXPECT_EQ(cfg.client.subdir, "/data");
  EXPECT_EQ(cfg.client.password, "secret");
  EXPECT_EQ(cfg.client.io_retries, 5);
  EXPECT_EQ(cfg.client.write_cache_mb, 256u);
  EXPECT_EQ(cfg.client.readahead_kb, 8192u);
  EXPECT_DOUBLE_EQ(cfg.attr_cache_s, 2.5);
  EXPECT_DOUBLE_EQ(cfg.entry_cache_s, 0.5);
  EXPECT_DOUBLE_EQ(cfg.direntry_cache_s, 3.0);
  EXPECT_DOUBLE_EQ(cfg.negentry_cache_s, 1.0);
  EXPECT_EQ(cfg.cache_mode, CacheMode::kDirect);
  EXPECT_TRUE(cfg.fuse_options.empty());
}

TEST(MountOptions, PasswordMd5AndBind) {
  MountConfig cfg;
  std::string err;
  ASSERT_EQ(apply_option_list("mfsmd5pass=5EBE2294ECD0E0F08EAB7690D2A6EE69,mfsbind=127.0.0.2", &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.password_md5, antler::auth::md5("secret"));
  EXPECT_EQ(cfg.client.bind_host, "127.0.0.2");
  err = apply_option("mfsmd5pass=abc", &cfg).message();
  EXPECT_NE(err.find("mfsmd5pass"), std::string::npos);
  err = apply_option("mfsbind=", &cfg).message();
  EXPECT_NE(err.find("mfsbind"), std::string::npos);
  err = apply_option("mfsbind=no.such.host.invalid", &cfg).message();
  EXPECT_NE(err.find("mfsbind"), std::string::npos);
  MountConfig b;
  ASSERT_EQ(parse({no_file(), "-B", "127.0.0.3", "/mnt/x"}, &b).to_string(), "ok");
  EXPECT_EQ(b.client.bind_host, "127.0.0.3");
}

TEST(MountOptions, SizesWithUnits) {
  MountConfig cfg;
  std::string err;
  ASSERT_EQ(apply_option_list("mfsreadaheadsize=512,mfswritecachesize=1G", &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.readahead_kb, 512u);
  EXPECT_EQ(cfg.client.write_cache_mb, 1024u);
  ASSERT_EQ(apply_option_list("mfsreadaheadsize=2MiB,mfswritecachesize=64MB", &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.readahead_kb, 2048u);
  EXPECT_EQ(cfg.client.write_cache_mb, 64u);
  err = apply_option("mfswritecachesize=lots", &cfg).message();
  EXPECT_NE(err.find("mfswritecachesize"), std::string::npos);
}

TEST(MountOptions, ShortFlags) {
  MountConfig cfg;
  Status s = parse({no_file(), "-H", "master.example", "-P9999", "-S", "/sub", "-f", "-s", "-n", "/mnt/y"}, &cfg);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(cfg.client.master_host, "master.example");
  EXPECT_EQ(cfg.client.master_port, 9999);
  EXPECT_EQ(cfg.client.subdir, "/sub");
  EXPECT_TRUE(cfg.foreground);
  EXPECT_TRUE(cfg.single_thread);
  EXPECT_TRUE(cfg.no_default_options);
  EXPECT_FALSE(cfg.debug);
}

TEST(MountOptions, DebugImpliesForeground) {
  MountConfig cfg;
  ASSERT_EQ(parse({no_file(), "-d", "/mnt"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.debug);
  EXPECT_TRUE(cfg.foreground);
  ASSERT_EQ(parse({no_file(), "-o", "debug", "/mnt"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.foreground);
}

TEST(MountOptions, Source) {
  MountConfig cfg;
  ASSERT_EQ(parse({no_file(), "m2:9500:/projects", "/mnt/p"}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.master_host, "m2");
  EXPECT_EQ(cfg.client.master_port, 9500);
  EXPECT_EQ(cfg.client.subdir, "/projects");
  EXPECT_EQ(cfg.mountpoint, "/mnt/p");
  ASSERT_EQ(parse({no_file(), "m3:", "/mnt/p"}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.master_host, "m3");
  EXPECT_EQ(cfg.client.master_port, 9421);
  EXPECT_EQ(cfg.client.subdir, "/");
  // Explicit flags win over the source, wherever they stand.
  ASSERT_EQ(parse({no_file(), "-P", "9600", "m2:9500:/a", "/mnt/p"}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.master_port, 9600);
  EXPECT_FALSE(parse({no_file(), "nocolon", "/mnt/p"}, &cfg).ok());
  EXPECT_FALSE(parse({no_file(), "a:1:/", "/mnt/p", "extra"}, &cfg).ok());
}

TEST(MountOptions, FusePassThrough) {
  MountConfig cfg;
  Status s =
      parse({no_file(), "-o", "allow_other,ro,nonempty,_netdev,defaults,fsname=x", "-oauto_unmount", "/m"}, &cfg);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(cfg.fuse_options, (std::vector<std::string>{"allow_other", "ro", "fsname=x", "auto_unmount"}));
  ASSERT_EQ(parse({no_file(), "-o", "max_write=131072,max_threads=8,max_idle_threads=2", "/m"}, &cfg).to_string(),
            "ok");
  EXPECT_EQ(cfg.max_write, 131072u);
  EXPECT_EQ(cfg.max_threads, 8u);
  EXPECT_EQ(cfg.max_idle_threads, 2u);
  EXPECT_TRUE(cfg.fuse_options.empty());
}

TEST(MountOptions, FuseMountOptions) {
  MountConfig cfg;
  cfg.client.master_host = "m";
  cfg.client.master_port = 9421;
  cfg.fuse_options = {"noatime"};
  auto opts = fuse_mount_options(cfg, false, true);
  EXPECT_EQ(opts, (std::vector<std::string>{"fsname=mfs#m:9421", "subtype=mfs", "allow_other", "noatime"}));
  opts = fuse_mount_options(cfg, true, false);
  EXPECT_EQ(opts, (std::vector<std::string>{"fsname=mfs#m:9421", "subtype=mfs", "noatime", "ro"}));
  cfg.no_default_options = true;
  cfg.debug = true;
  opts = fuse_mount_options(cfg, false, true);
  EXPECT_EQ(opts, (std::vector<std::string>{"fsname=mfs#m:9421", "subtype=mfs", "noatime", "debug"}));
}

TEST(MountOptions, UnknownMfsOptionIsAnError) {
  MountConfig cfg;
  std::string err;
  err = parse({no_file(), "-o", "mfsbogus=1", "/m"}, &cfg).message();
  EXPECT_EQ(err, "unknown option 'mfsbogus'");
  err = parse({no_file(), "-o", "mfsport=70000", "/m"}, &cfg).message();
  EXPECT_NE(err.find("mfsport"), std::string::npos);
  EXPECT_FALSE(parse({no_file(), "-o", "mfsattrcacheto=-1", "/m"}, &cfg).ok());
  EXPECT_FALSE(parse({no_file(), "-o", "mfsmaster", "/m"}, &cfg).ok());
  err = parse({no_file(), "-x", "/m"}, &cfg).message();
  EXPECT_EQ(err, "unknown option '-x' (see mfsmount -h)");
  EXPECT_FALSE(parse({no_file(), "-H"}, &cfg).ok());
}

TEST(MountOptions, MetaMount) {
  for (const char* form : {"-m", "--meta"}) {
    MountConfig cfg;
    std::string err;
    ASSERT_EQ(parse({no_file(), form, "/m"}, &cfg).to_string(), "ok");
    EXPECT_TRUE(cfg.client.meta);
  }
  MountConfig cfg;
  std::string err;
  ASSERT_EQ(parse({no_file(), "-o", "mfsmeta", "/m"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.client.meta);
  ASSERT_EQ(parse({no_file(), "/m"}, &cfg).to_string(), "ok");
  EXPECT_FALSE(cfg.client.meta);
}

TEST(MountOptions, IgnoredMooseFsOptionsWarn) {
  MountConfig cfg;
  ASSERT_EQ(parse({no_file(), "-o", "mfsdelayedinit,mfsnice=-5", "/m"}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.warnings.size(), 2u);
}

TEST(MountOptions, Xattrs) {
  MountConfig cfg;
  ASSERT_EQ(parse({no_file(), "/m"}, &cfg).to_string(), "ok");
  EXPECT_FALSE(cfg.no_xattrs);
  EXPECT_TRUE(Fs::from_config(cfg).xattrs);
  EXPECT_EQ(cfg.client.xattr_cache_ms, 1000);
  MountConfig off;
  ASSERT_EQ(parse({no_file(), "-o", "mfsnoxattrs,mfsxattrcacheto=2.5", "/m"}, &off).to_string(), "ok");
  EXPECT_TRUE(off.no_xattrs);
  EXPECT_FALSE(Fs::from_config(off).xattrs);
  EXPECT_EQ(off.client.xattr_cache_ms, 2500);
  EXPECT_TRUE(off.warnings.empty());
  EXPECT_FALSE(parse({no_file(), "-o", "mfsxattrcacheto=soon", "/m"}, &off).ok());
}

TEST(MountOptions, LockOptions) {
  MountConfig cfg;
  ASSERT_EQ(parse({no_file(), "/m"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.posix_locks);
  EXPECT_TRUE(cfg.bsd_locks);
  Fs fs = Fs::from_config(cfg);
  EXPECT_TRUE(fs.posix_locks);
  EXPECT_TRUE(fs.bsd_locks);
  MountConfig off;
  ASSERT_EQ(parse({no_file(), "-o", "mfsnoposixlocks,mfsnobsdlocks", "/m"}, &off).to_string(), "ok");
  EXPECT_FALSE(off.posix_locks);
  EXPECT_FALSE(off.bsd_locks);
  EXPECT_TRUE(off.warnings.empty());
  fs = Fs::from_config(off);
  EXPECT_FALSE(fs.posix_locks);
  EXPECT_FALSE(fs.bsd_locks);
}

TEST(MountOptions, NoMountPoint) {
  MountConfig cfg;
  std::string err;
  err = parse({no_file(), "-H", "m"}, &cfg).message();
  EXPECT_NE(err.find("mount point"), std::string::npos);
}

TEST(MountOptions, HelpAndVersionNeedNothingElse) {
  MountConfig cfg;
  ASSERT_EQ(parse({"-h"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.show_help);
  ASSERT_EQ(parse({"--version"}, &cfg).to_string(), "ok");
  EXPECT_TRUE(cfg.show_version);
}

TEST(MountConfigFile, LinesAndMountPoint) {
  TempFile file(
      "# mfsmount.cfg\n"
      "mfsmaster=filemaster\n"
      "mfsport = 9521   # comment\n"
      "\n"
      "mfsattrcacheto=3.0, mfscachemode=YES\n"
      "allow_other\n"
      "/mnt/fromfile\n");
  MountConfig cfg;
  ASSERT_EQ(parse({"-c", file.path()}, &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.master_host, "filemaster");
  EXPECT_EQ(cfg.client.master_port, 9521);
  EXPECT_DOUBLE_EQ(cfg.attr_cache_s, 3.0);
  EXPECT_EQ(cfg.cache_mode, CacheMode::kYes);
  EXPECT_EQ(cfg.mountpoint, "/mnt/fromfile");
  EXPECT_EQ(cfg.fuse_options, std::vector<std::string>{"allow_other"});
}

TEST(MountConfigFile, CommandLineWins) {
  TempFile file("mfsmaster=filemaster,mfsport=9521\nmfssubfolder=/filesub\n/mnt/fromfile\n");
  MountConfig cfg;
  Status s = parse({"-H", "cmdmaster", "-o", "mfscfgfile=" + file.path() + ",mfsport=9999", "/mnt/cmd"}, &cfg);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(cfg.client.master_host, "cmdmaster");
  EXPECT_EQ(cfg.client.master_port, 9999);
  EXPECT_EQ(cfg.client.subdir, "/filesub");  // not on the command line: from the file
  EXPECT_EQ(cfg.mountpoint, "/mnt/cmd");
}

TEST(MountConfigFile, ErrorsNameFileAndLine) {
  TempFile file("mfsmaster=m\nmfsnosuchthing=1\n");
  MountConfig cfg;
  std::string err;
  err = parse({"-c", file.path(), "/m"}, &cfg).message();
  EXPECT_EQ(err, file.path() + ":2: unknown option 'mfsnosuchthing'");
}

TEST(MountConfigFile, MissingExplicitFileIsAnError) {
  MountConfig cfg;
  std::string err;
  err = parse({"-c", "/nonexistent/dir/mfsmount.cfg", "/m"}, &cfg).message();
  EXPECT_NE(err.find("/nonexistent/dir/mfsmount.cfg"), std::string::npos);
}

TEST(MountConfigFile, PasswordFile) {
  TempFile pass("s3cret\nignored\n");
  MountConfig cfg;
  ASSERT_EQ(apply_option("mfspassfile=" + pass.path(), &cfg).to_string(), "ok");
  EXPECT_EQ(cfg.client.password, "s3cret");
  EXPECT_FALSE(apply_option("mfspassfile=/nonexistent/pass", &cfg).ok());
}

// ---- conversions of the FUSE adapter

TEST(FuseConversions, AttrToStat) {
  msg::Attr a;
  a.inode = 42;
  a.type = msg::kDir;
  a.mode = 01755;
  a.uid = 1000;
  a.gid = 100;
  a.nlink = 3;
  a.size = 1000;
  a.atime_ns = 1'700'000'000'123'456'789;
  a.mtime_ns = -1;  // just before the epoch
  a.ctime_ns = 5;
  struct stat st;
  attr_to_stat(a, &st);
  EXPECT_EQ(st.st_ino, 42u);
  EXPECT_EQ(st.st_mode, static_cast<mode_t>(S_IFDIR | 01755));
  EXPECT_EQ(st.st_nlink, 3u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 100u);
  EXPECT_EQ(st.st_size, 1000);
  EXPECT_EQ(st.st_blocks, 2);
  EXPECT_EQ(st.st_blksize, 65536);
  EXPECT_EQ(st.st_atim.tv_sec, 1'700'000'000);
  EXPECT_EQ(st.st_atim.tv_nsec, 123'456'789);
  EXPECT_EQ(st.st_mtim.tv_sec, -1);
  EXPECT_EQ(st.st_mtim.tv_nsec, 999'999'999);
  EXPECT_EQ(st.st_ctim.tv_nsec, 5);

  a.type = msg::kCharDev;
  a.rdev = 0x0501;
  attr_to_stat(a, &st);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, 0x0501u);
}

TEST(FuseConversions, ModeToType) {
  uint8_t t = 0;
  ASSERT_TRUE(mode_to_type(S_IFREG | 0644, &t));
  EXPECT_EQ(t, msg::kFile);
  ASSERT_TRUE(mode_to_type(S_IFIFO, &t));
  EXPECT_EQ(t, msg::kFifo);
  ASSERT_TRUE(mode_to_type(S_IFSOCK, &t));
  EXPECT_EQ(t, msg::kSocket);
  ASSERT_TRUE(mode_to_type(S_IFBLK, &t));
  EXPECT_EQ(t, msg::kBlockDev);
  ASSERT_TRUE(mode_to_type(S_IFCHR, &t));
  EXPECT_EQ(t, msg::kCharDev);
}

TEST(FuseConversions, SetattrMask) {
  struct stat st {};
  st.st_mode = S_IFREG | 04711;
  st.st_uid = 7;
  st.st_size = 12345;
  st.st_mtim.tv_sec = 10;
  st.st_mtim.tv_nsec = 20;
  msg::Attr v;
  uint32_t mask = setattr_mask(FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME |
                                   FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW | FUSE_SET_ATTR_CTIME,
                               st, &v);
  EXPECT_EQ(mask,
            static_cast<uint32_t>(msg::kSetMode | msg::kSetUid | msg::kSetSize | msg::kSetMtime | msg::kSetAtimeNow));
  EXPECT_EQ(v.mode, 04711);
  EXPECT_EQ(v.uid, 7u);
  EXPECT_EQ(v.size, 12345u);
  EXPECT_EQ(v.mtime_ns, 10'000'000'020);
  EXPECT_EQ(setattr_mask(FUSE_SET_ATTR_CTIME, st, &v), 0u);
}

TEST(FuseConversions, XattrFlagsAndSizes) {
  uint32_t f = 99;
  ASSERT_TRUE(xattr_flags(0, &f));
  EXPECT_EQ(f, 0u);
  ASSERT_TRUE(xattr_flags(XATTR_CREATE, &f));
  EXPECT_EQ(f, uint32_t(msg::kXattrCreate));
  ASSERT_TRUE(xattr_flags(XATTR_REPLACE, &f));
  EXPECT_EQ(f, uint32_t(msg::kXattrReplace));
  EXPECT_FALSE(xattr_flags(8, &f));
  EXPECT_EQ(xattr_reply_size(0, 100), 0);  // length only
  EXPECT_EQ(xattr_reply_size(100, 100), 100);
  EXPECT_EQ(xattr_reply_size(99, 100), -ERANGE);
}

}  // namespace
}  // namespace antler::mount

// Unit tests of the chunkserver's disk store (daemons/chunkserver/chunk_store)
// and, through loopback sockets, of its data port and replication.
#include "daemons/chunkserver/storage/chunk_store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>

#include "common/auth.h"
#include "common/crc.h"
#include "common/net.h"
#include "daemons/chunkserver/service/cs_server.h"
#include "daemons/chunkserver/service/master_link.h"
#include "daemons/chunkserver/storage/hdd_config.h"

namespace fs = std::filesystem;
using namespace antler;
using namespace antler::cs;
using msg::kBlockSize;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "antler-cs-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<DiskSpec> one_disk(const std::string& path) {
  DiskSpec d;
  d.path = path;
  d.origin = "test";
  return {d};
}

// Reads [offset, offset+size) through read_block, zero-filling past the data.
St read_range(ChunkStore::Handle& h, uint32_t offset, uint32_t size, std::string* out) {
  out->assign(size, '\0');
  std::vector<char> buf(kBlockSize);
  for (uint32_t pos = offset; pos < offset + size;) {
    uint32_t blk = pos / kBlockSize;
    uint32_t end = std::min(offset + size, (blk + 1) * kBlockSize);
    uint32_t crc = 0, len = 0;
    St st = h.read_block(blk, buf.data(), &crc, &len);
    if (st != St::kOk) return st;
    EXPECT_EQ(crc, crc32c(buf.data(), kBlockSize));
    std::memcpy(out->data() + (pos - offset), buf.data() + (pos - blk * kBlockSize), end - pos);
    pos = end;
  }
  return St::kOk;
}

St write_range(ChunkStore::Handle& h, uint32_t offset, const std::string& data) {
  for (uint32_t pos = 0; pos < data.size();) {
    uint32_t abs = offset + pos;
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(data.size()) - pos, kBlockSize - abs % kBlockSize);
    St st = h.write(abs, data.data() + pos, n);
    if (st != St::kOk) return st;
    pos += n;
  }
  return St::kOk;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(store_.init(one_disk(dir_.path()), {}).to_string(), "ok"); }
  TempDir dir_;
  ChunkStore store_;
};

}  // namespace

TEST(FileName, Format) { EXPECT_EQ(ChunkStore::file_name(0x1234ABCDull, 7), "chunk_000000001234ABCD_00000007.mfs"); }

TEST_F(StoreTest, CreatesSubfoldersAndFile) {
  EXPECT_TRUE(fs::is_directory(dir_.path() + "/00"));
  EXPECT_TRUE(fs::is_directory(dir_.path() + "/FF"));
  ASSERT_EQ(store_.create(0x1AB, 1), St::kOk);
  EXPECT_EQ(store_.create(0x1AB, 1), St::kExist);
  std::string p = dir_.path() + "/AB/chunk_00000000000001AB_00000001.mfs";
  ASSERT_TRUE(fs::exists(p));
  EXPECT_EQ(fs::file_size(p), kHeaderSize);
  std::ifstream in(p, std::ios::binary);
  std::string hdr(kHeaderSize, '\0');
  in.read(hdr.data(), kHeaderSize);
  EXPECT_EQ(hdr.substr(0, 8), "ANTCHNK1");
  uint64_t id;
  uint32_t ver, crc;
  std::memcpy(&id, hdr.data() + 8, 8);
  std::memcpy(&ver, hdr.data() + 16, 4);
  std::memcpy(&crc, hdr.data() + kCrcOffset + 4 * 1023, 4);
  EXPECT_EQ(id, 0x1ABu);
  EXPECT_EQ(ver, 1u);
  EXPECT_EQ(crc, crc32c_zeros(kBlockSize));
}

TEST_F(StoreTest, RoundTripWithPartialBlocks) {
  ASSERT_EQ(store_.create(5, 3), St::kOk);
  ChunkStore::Handle h;
  EXPECT_EQ(store_.open(5, 2, &h), St::kWrongVersion);
  EXPECT_EQ(store_.open(6, 3, &h), St::kNoChunk);
  ASSERT_EQ(store_.open(5, 3, &h), St::kOk);
  std::string a = pattern(3 * kBlockSize + 1000, 1);
  ASSERT_EQ(write_range(h, 500, a), St::kOk);
  EXPECT_EQ(h.length(), 500 + a.size());
  // Overwrite a piece in the middle of a block.
  std::string b = pattern(100, 2);
  ASSERT_EQ(h.write(kBlockSize + 7, b.data(), 100), St::kOk);
  std::string expect = std::string(500, '\0') + a;
  expect.replace(kBlockSize + 7, 100, b);
  std::string got;
  ASSERT_EQ(read_range(h, 0, 5 * kBlockSize, &got), St::kOk);
  EXPECT_EQ(got.substr(0, expect.size()), expect);
  EXPECT_EQ(got.substr(expect.size()), std::string(5 * kBlockSize - expect.size(), '\0'));
  // A write that crosses a block boundary is refused.
  EXPECT_EQ(h.write(kBlockSize - 1, "ab", 2), St::kInval);
  EXPECT_EQ(h.write(msg::kChunkSize, "a", 1), St::kInval);
  // A write far away leaves a zero hole.
  ASSERT_EQ(h.write(10 * kBlockSize + 3, "xyz", 3), St::kOk);
  ASSERT_EQ(read_range(h, 8 * kBlockSize, 3 * kBlockSize, &got), St::kOk);
  std::string hole(3 * kBlockSize, '\0');
  hole.replace(2 * kBlockSize + 3, 3, "xyz");
  EXPECT_EQ(got, hole);
  EXPECT_EQ(h.length(), 10 * kBlockSize + 6);
}

TEST_F(StoreTest, TruncateShrinkAndGrowReadsZeros) {
  ASSERT_EQ(store_.create(9, 1), St::kOk);
  {
    ChunkStore::Handle h;
    ASSERT_EQ(store_.open(9, 1, &h), St::kOk);
    ASSERT_EQ(write_range(h, 0, pattern(4 * kBlockSize, 3)), St::kOk);
  }
  EXPECT_EQ(store_.truncate(9, 2, 3, 100), St::kWrongVersion);
  EXPECT_EQ(store_.truncate(9, 1, 2, msg::kChunkSize + 1), St::kInval);
  ASSERT_EQ(store_.truncate(9, 1, 2, kBlockSize + 100), St::kOk);
  uint32_t v, len;
  ASSERT_TRUE(store_.lookup(9, &v, &len));
  EXPECT_EQ(v, 2u);
  EXPECT_EQ(len, kBlockSize + 100);
  ASSERT_EQ(store_.truncate(9, 2, 3, 3 * kBlockSize), St::kOk);
  ChunkStore::Handle h;
  ASSERT_EQ(store_.open(9, 3, &h), St::kOk);
  EXPECT_EQ(h.length(), 3 * kBlockSize);
  std::string got;
  ASSERT_EQ(read_range(h, 0, 4 * kBlockSize, &got), St::kOk);
  std::string expect = pattern(4 * kBlockSize, 3).substr(0, kBlockSize + 100);
  expect.resize(4 * kBlockSize, '\0');
  EXPECT_EQ(got, expect);
  // A partial write on the regrown area keeps working.
  ASSERT_EQ(h.write(2 * kBlockSize + 10, "q", 1), St::kOk);
  ASSERT_EQ(read_range(h, 2 * kBlockSize, kBlockSize, &got), St::kOk);
  EXPECT_EQ(got[10], 'q');
}

TEST_F(StoreTest, SetVersionRenames) {
  ASSERT_EQ(store_.create(0x42, 1), St::kOk);
  std::string old_path = dir_.path() + "/42/" + ChunkStore::file_name(0x42, 1);
  std::string new_path = dir_.path() + "/42/" + ChunkStore::file_name(0x42, 7);
  EXPECT_EQ(store_.set_version(0x42, 2, 7), St::kWrongVersion);
  EXPECT_EQ(store_.set_version(0x43, 1, 7), St::kNoChunk);
  ASSERT_EQ(store_.set_version(0x42, 1, 7), St::kOk);
  EXPECT_FALSE(fs::exists(old_path));
  ASSERT_TRUE(fs::exists(new_path));
  uint32_t v;
  ASSERT_TRUE(store_.lookup(0x42, &v, nullptr));
  EXPECT_EQ(v, 7u);
  std::ifstream in(new_path, std::ios::binary);
  char hdr[20];
  in.read(hdr, 20);
  std::memcpy(&v, hdr + 16, 4);
  EXPECT_EQ(v, 7u);
  EXPECT_EQ(store_.remove(0x42, 1), St::kWrongVersion);
  EXPECT_EQ(store_.remove(0x42, 0), St::kOk);
  EXPECT_FALSE(fs::exists(new_path));
  EXPECT_EQ(store_.remove(0x42, 0), St::kNoChunk);
}

TEST_F(StoreTest, FlippedByteIsACrcError) {
  ASSERT_EQ(store_.create(0x77, 1), St::kOk);
  {
    ChunkStore::Handle h;
    ASSERT_EQ(store_.open(0x77, 1, &h), St::kOk);
    ASSERT_EQ(write_range(h, 0, pattern(2 * kBlockSize, 4)), St::kOk);
  }
  std::string p = dir_.path() + "/77/" + ChunkStore::file_name(0x77, 1);
  int fd = ::open(p.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  char c;
  ASSERT_EQ(::pread(fd, &c, 1, kHeaderSize + kBlockSize + 123), 1);
  c ^= 0x10;
  ASSERT_EQ(::pwrite(fd, &c, 1, kHeaderSize + kBlockSize + 123), 1);
  ::close(fd);
  ChunkStore::Handle h;
  ASSERT_EQ(store_.open(0x77, 1, &h), St::kOk);
  std::vector<char> buf(kBlockSize);
  uint32_t crc;
  EXPECT_EQ(h.read_block(0, buf.data(), &crc, nullptr), St::kOk);
  EXPECT_EQ(h.read_block(1, buf.data(), &crc, nullptr), St::kCrc);
  // A partial write into the damaged block refuses to hide the damage.
  EXPECT_EQ(h.write(kBlockSize, "z", 1), St::kCrc);
}

TEST(Store, RescanFindsChunks) {
  TempDir dir;
  std::string data = pattern(kBlockSize + 5, 6);
  {
    ChunkStore s;
    ASSERT_EQ(s.init(one_disk(dir.path()), {}).to_string(), "ok");
    ASSERT_EQ(s.create(1, 1), St::kOk);
    ASSERT_EQ(s.create(0x100, 4), St::kOk);
    ChunkStore::Handle h;
    ASSERT_EQ(s.open(0x100, 4, &h), St::kOk);
    ASSERT_EQ(write_range(h, 0, data), St::kOk);
  }
  // An older copy of chunk 0x100, a stray temp file, and a bad header.
  std::string d0 = dir.path() + "/00/";
  fs::copy_file(d0 + ChunkStore::file_name(0x100, 4), d0 + ChunkStore::file_name(0x100, 2));
  {
    std::fstream f(d0 + ChunkStore::file_name(0x100, 2), std::ios::in | std::ios::out | std::ios::binary);
    uint32_t two = 2;
    f.seekp(16);
    f.write(reinterpret_cast<const char*>(&two), 4);
  }
  // A header/name mismatch (crash between the two steps of a version change)
  // is resolved in favour of the header.
  std::string d1 = dir.path() + "/01/";
  ASSERT_EQ(::rename((d1 + ChunkStore::file_name(1, 1)).c_str(), (d1 + ChunkStore::file_name(1, 9)).c_str()), 0);
  std::ofstream(d0 + ChunkStore::file_name(0x100, 4) + ".3.tmp") << "x";
  std::ofstream(dir.path() + "/02/" + ChunkStore::file_name(2, 1)) << std::string(kHeaderSize, 'x');
  {
    // A second store on the same disk is refused while the first one runs.
    ChunkStore a, b;
    ASSERT_EQ(a.init(one_disk(dir.path()), {}).to_string(), "ok");
    Status second = b.init(one_disk(dir.path()), {});
    EXPECT_FALSE(second.ok());
    EXPECT_NE(second.message().find("in use"), std::string::npos) << second.message();
  }
  ChunkStore s;
  ASSERT_EQ(s.init(one_disk(dir.path()), {}).to_string(), "ok");
  EXPECT_EQ(s.count(), 2u);
  uint32_t v, len;
  ASSERT_TRUE(s.lookup(0x100, &v, &len));
  EXPECT_EQ(v, 4u);
  EXPECT_EQ(len, data.size());
  EXPECT_FALSE(fs::exists(d0 + ChunkStore::file_name(0x100, 2)));
  EXPECT_FALSE(fs::exists(d0 + ChunkStore::file_name(0x100, 4) + ".3.tmp"));
  EXPECT_FALSE(s.lookup(2, nullptr, nullptr));
  ASSERT_TRUE(s.lookup(1, &v, nullptr));
  EXPECT_EQ(v, 1u);
  EXPECT_TRUE(fs::exists(d1 + ChunkStore::file_name(1, 1)));
  ChunkStore::Handle h;
  ASSERT_EQ(s.open(0x100, 4, &h), St::kOk);
  std::string got;
  ASSERT_EQ(read_range(h, 0, static_cast<uint32_t>(data.size()), &got), St::kOk);
  EXPECT_EQ(got, data);
}

TEST(HddConfig, ParsesMarkersAndLimits) {
  TempDir dir;
  fs::create_directory(dir.path() + "/a");
  fs::create_directory(dir.path() + "/b");
  fs::create_directory(dir.path() + "/c");
  std::string cfg = dir.path() + "/mfshdd.cfg";
  std::ofstream(cfg) << "# disks\n"
                     << dir.path() << "/a/\n*" << dir.path() << "/b 10GiB\n<" << dir.path() << "/c -5G # comment\n";
  Result<std::vector<DiskSpec>> loaded = load_hdd_config(cfg);
  ASSERT_TRUE(loaded) << loaded.status().to_string();
  const std::vector<DiskSpec>& disks = *loaded;
  ASSERT_EQ(disks.size(), 3u);
  EXPECT_EQ(disks[0].path, dir.path() + "/a");
  EXPECT_FALSE(disks[0].removal);
  EXPECT_TRUE(disks[1].removal);
  EXPECT_EQ(disks[1].limit, 10ll << 30);
  EXPECT_EQ(disks[2].limit, -(5ll << 30));
  std::ofstream(cfg) << dir.path() << "/a\n" << dir.path() << "/missing\n";
  std::string err = load_hdd_config(cfg).status().message();
  EXPECT_EQ(err, cfg + ":2: " + dir.path() + "/missing: No such file or directory");
  std::ofstream(cfg) << dir.path() << "/a lots\n";
  err = load_hdd_config(cfg).status().message();
  EXPECT_NE(err.find(cfg + ":1:"), std::string::npos) << err;
  std::ofstream(cfg) << "# nothing\n";
  EXPECT_EQ(load_hdd_config(cfg).status().message(), cfg + ": no disk folders listed");
  EXPECT_EQ(load_hdd_config(dir.path() + "/none.cfg").status().code(), St::kNoEnt);
  int64_t v;
  EXPECT_TRUE(parse_size("256MiB", v));
  EXPECT_EQ(v, 256ll << 20);
  EXPECT_FALSE(parse_size("MiB", v));
}

// ------------------------------------------------ data port over loopback

namespace {

constexpr uint32_t kLoopback = 0x7F000001;

struct Server {
  TempDir dir;
  ChunkStore store;
  std::mutex mu;
  std::vector<uint64_t> damaged_ids;
  std::unique_ptr<CsServer> srv;
  Server() {
    EXPECT_EQ(store.init(one_disk(dir.path()), {}).to_string(), "ok");
    srv = std::make_unique<CsServer>(store, CsServer::Options{});
    srv->set_damage_reporter([this](uint64_t id) {
      std::lock_guard lk(mu);
      damaged_ids.push_back(id);
    });
    EXPECT_EQ(srv->start(kLoopback, 0).to_string(), "ok");
  }
  msg::Location loc() const { return {kLoopback, srv->port()}; }
  std::vector<uint64_t> damaged() {
    std::lock_guard lk(mu);
    return damaged_ids;
  }
};

net::Conn connect_to(const Server& s) {
  net::Conn c;
  EXPECT_TRUE(c.connect(kLoopback, s.srv->port(), 2000));
  msg::Hello h;
  msg::HelloReply r;
  EXPECT_TRUE(c.send(h));
  EXPECT_TRUE(c.recv_as(r, 2000));
  EXPECT_EQ(r.status, St::kOk);
  return c;
}

// Reads a range over the wire; returns the final status.
St wire_read(net::Conn& c, uint64_t id, uint32_t ver, uint32_t off, uint32_t size, std::string* out) {
  out->assign(size, '\0');
  EXPECT_TRUE(c.send(msg::CsRead{id, ver, off, size, {}}));
  for (;;) {
    uint32_t type;
    std::string p;
    if (!c.recv(type, p, 5000)) return St::kDisconnected;
    if (type == msg::CsReadData::kType) {
      msg::CsReadData d;
      EXPECT_TRUE(net::decode(p, d));
      EXPECT_EQ(crc32c(d.data.data(), d.data.size()), d.crc);
      out->replace(d.offset - off, d.data.size(), d.data);
    } else {
      msg::CsReadStatus s;
      EXPECT_EQ(type, msg::CsReadStatus::kType);
      EXPECT_TRUE(net::decode(p, s));
      return s.status;
    }
  }
}

// Asks a copy's checksum over the wire.
msg::CsChecksumReply wire_checksum(net::Conn& c, uint64_t id, uint32_t ver) {
  msg::CsChecksumReply r;
  EXPECT_TRUE(c.send(msg::CsChecksum{id, ver}));
  EXPECT_TRUE(c.recv_as(r, 5000));
  EXPECT_EQ(r.chunk_id, id);
  EXPECT_EQ(r.version, ver);
  return r;
}

// MD5 over the CRC32C (LE) of each zero-padded 64 KiB block of data.
std::string expected_digest(const std::string& data) {
  std::string crcs;
  for (size_t pos = 0; pos < data.size(); pos += kBlockSize) {
    std::string block = data.substr(pos, kBlockSize);
    block.resize(kBlockSize, '\0');
    uint32_t crc = crc32c(block.data(), block.size());
    for (int i = 0; i < 4; i++) crcs += static_cast<char>(crc >> (8 * i));
  }
  return auth::md5(crcs);
}

}  // namespace

TEST(DataPort, ChecksumOfCopies) {
  Server a, b;
  std::string data = pattern(2 * kBlockSize + 1000, 21);
  for (Server* s : {&a, &b}) {
    ASSERT_EQ(s->store.create(0x77, 3), St::kOk);
    ASSERT_EQ(s->store.create(0x78, 1), St::kOk);  // stays empty
    ChunkStore::Handle h;
    ASSERT_EQ(s->store.open(0x77, 3, &h), St::kOk);
    for (uint32_t pos = 0; pos < data.size(); pos += kBlockSize) {
      std::string piece = data.substr(pos, kBlockSize);
      ASSERT_EQ(h.write(pos, piece.data(), static_cast<uint32_t>(piece.size())), St::kOk);
    }
  }
  net::Conn ca = connect_to(a), cb = connect_to(b);
  msg::CsChecksumReply ra = wire_checksum(ca, 0x77, 3), rb = wire_checksum(cb, 0x77, 3);
  ASSERT_EQ(ra.status, St::kOk);
  ASSERT_EQ(rb.status, St::kOk);
  EXPECT_EQ(ra.blocks, 3u);
  EXPECT_EQ(ra.bad_blocks, 0u);
  EXPECT_EQ(ra.digest, expected_digest(data));
  EXPECT_EQ(rb.digest, ra.digest);
  msg::CsChecksumReply empty = wire_checksum(ca, 0x78, 1);
  EXPECT_EQ(empty.status, St::kOk);
  EXPECT_EQ(empty.blocks, 0u);
  EXPECT_EQ(empty.digest, auth::md5(""));
  EXPECT_EQ(static_cast<St>(wire_checksum(ca, 0x77, 4).status), St::kWrongVersion);
  EXPECT_EQ(static_cast<St>(wire_checksum(ca, 0x79, 3).status), St::kNoChunk);

  // One byte of b's data flipped on disk: b's digest changes (a's does not),
  // the block is counted and the damage is reported, as a read would.
  std::string p = b.store.chunk_path(0x77, 3);
  int fd = ::open(p.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "!", 1, kHeaderSize + kBlockSize + 5), 1);
  ::close(fd);
  rb = wire_checksum(cb, 0x77, 3);
  ASSERT_EQ(rb.status, St::kOk);
  EXPECT_EQ(rb.blocks, 3u);
  EXPECT_EQ(rb.bad_blocks, 1u);
  EXPECT_NE(rb.digest, ra.digest);
  std::string damaged = data;
  damaged[kBlockSize + 5] = '!';
  EXPECT_EQ(rb.digest, expected_digest(damaged));
  EXPECT_EQ(b.damaged(), std::vector<uint64_t>{0x77});
  EXPECT_EQ(wire_checksum(ca, 0x77, 3).digest, ra.digest);
  EXPECT_TRUE(a.damaged().empty());
}

TEST(DataPort, ChainedWriteThenReadAndReplicate) {
  Server a, b, c;
  for (Server* s : {&a, &b}) ASSERT_EQ(s->store.create(0x55, 2), St::kOk);
  net::Conn cl = connect_to(a);
  // The chain includes c, which lacks the chunk: the init fails there.
  msg::CsWriteInit bad{0x55, 2, {b.loc(), c.loc()}, {}};
  ASSERT_TRUE(cl.send(bad));
  msg::CsWriteStatus ws;
  ASSERT_TRUE(cl.recv_as(ws, 5000));
  EXPECT_EQ(ws.status, St::kNoChunk);

  ASSERT_TRUE(cl.send(msg::CsWriteInit{0x55, 2, {b.loc()}, {}}));
  ASSERT_TRUE(cl.recv_as(ws, 5000));
  ASSERT_EQ(ws.status, St::kOk);
  std::string data = pattern(3 * kBlockSize + 777, 9);
  uint32_t id = 0;
  // Pipeline every write before reading any acknowledgement.
  for (uint32_t pos = 0; pos < data.size(); pos += kBlockSize) {
    std::string piece = data.substr(pos, kBlockSize);
    ASSERT_TRUE(cl.send(msg::CsWriteData{0x55, ++id, pos, crc32c(piece.data(), piece.size()), piece}));
  }
  ASSERT_TRUE(cl.send(msg::CsWriteData{0x55, ++id, 10, 12345, "bad crc"}));
  ASSERT_TRUE(cl.send(msg::CsWriteEnd{0x55, true}));
  for (uint32_t i = 1; i <= id; i++) {
    ASSERT_TRUE(cl.recv_as(ws, 5000));
    EXPECT_EQ(ws.write_id, i);
    EXPECT_EQ(ws.status, i == id ? St::kCrc : St::kOk);
  }
  ASSERT_TRUE(cl.recv_as(ws, 5000));
  EXPECT_EQ(ws.write_id, UINT32_MAX);
  EXPECT_EQ(ws.status, St::kOk);

  // Both copies hold the data; the connection is reusable for reads.
  std::string got;
  EXPECT_EQ(wire_read(cl, 0x55, 2, 0, 4 * kBlockSize, &got), St::kOk);
  EXPECT_EQ(got.substr(0, data.size()), data);
  EXPECT_EQ(got.substr(data.size()), std::string(4 * kBlockSize - data.size(), '\0'));
  net::Conn cb = connect_to(b);
  EXPECT_EQ(wire_read(cb, 0x55, 2, 100, 2 * kBlockSize, &got), St::kOk);
  EXPECT_EQ(got, data.substr(100, 2 * kBlockSize));
  EXPECT_EQ(wire_read(cb, 0x55, 3, 0, 10, &got), St::kWrongVersion);
  EXPECT_EQ(wire_read(cb, 0x56, 2, 0, 10, &got), St::kNoChunk);
  EXPECT_EQ(wire_read(cb, 0x55, 2, msg::kChunkSize - 5, 10, &got), St::kInval);

  // c pulls the chunk from b.
  net::Conn rc;
  ASSERT_EQ(MasterLink::fetch_chunk(c.store, 0x55, 2, b.loc(), 5000, &rc, nullptr), St::kOk);
  uint32_t v, len;
  ASSERT_TRUE(c.store.lookup(0x55, &v, &len));
  EXPECT_EQ(v, 2u);
  EXPECT_EQ(len, data.size());
  net::Conn cc = connect_to(c);
  EXPECT_EQ(wire_read(cc, 0x55, 2, 0, static_cast<uint32_t>(data.size()), &got), St::kOk);
  EXPECT_EQ(got, data);

  // Damage b's copy: a read reports CRC and the damage callback fires.
  std::string p = b.store.chunk_path(0x55, 2);
  int fd = ::open(p.c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "!", 1, kHeaderSize + 5), 1);
  ::close(fd);
  EXPECT_EQ(wire_read(cb, 0x55, 2, 0, 10, &got), St::kCrc);
  EXPECT_EQ(b.damaged(), std::vector<uint64_t>{0x55});
}

TEST(DataPort, BadFrameClosesOnlyThatConnection) {
  Server a;
  net::Conn bad = connect_to(a);
  ASSERT_TRUE(bad.send_raw(std::string("\x39\x30\x00\x00\x00\x00\x00\x00", 8)));  // unknown type 12345
  uint32_t type;
  std::string p;
  EXPECT_FALSE(bad.recv(type, p, 5000));
  net::Conn big = connect_to(a);
  ASSERT_TRUE(big.send_raw(std::string("\x2c\x01\x00\x00\xff\xff\xff\x7f", 8)));  // CsRead, 2 GiB
  EXPECT_FALSE(big.recv(type, p, 5000));
  net::Conn good = connect_to(a);
  std::string got;
  EXPECT_EQ(wire_read(good, 1, 1, 0, 1, &got), St::kNoChunk);
}

TEST(DataPort, LostDownstreamAnswersDisconnectedButWritesLocally) {
  Server a, b;
  for (Server* s : {&a, &b}) ASSERT_EQ(s->store.create(7, 1), St::kOk);
  net::Conn cl = connect_to(a);
  msg::CsWriteStatus ws;
  ASSERT_TRUE(cl.send(msg::CsWriteInit{7, 1, {b.loc()}, {}}));
  ASSERT_TRUE(cl.recv_as(ws, 5000));
  ASSERT_EQ(ws.status, St::kOk);
  b.srv->stop();
  b.srv->wait();
  std::string piece = pattern(1000, 11);
  for (uint32_t i = 1; i <= 3; i++)
    ASSERT_TRUE(cl.send(msg::CsWriteData{7, i, (i - 1) * 1000, crc32c(piece.data(), piece.size()), piece}));
  ASSERT_TRUE(cl.send(msg::CsWriteEnd{7, false}));
  for (uint32_t i = 1; i <= 3; i++) {
    ASSERT_TRUE(cl.recv_as(ws, 35000));
    EXPECT_EQ(ws.write_id, i);
    EXPECT_EQ(ws.status, St::kDisconnected);
  }
  ASSERT_TRUE(cl.recv_as(ws, 35000));
  EXPECT_EQ(ws.write_id, UINT32_MAX);
  EXPECT_EQ(ws.status, St::kDisconnected);
  std::string got;
  EXPECT_EQ(wire_read(cl, 7, 1, 0, 3000, &got), St::kOk);
  EXPECT_EQ(got, piece + piece + piece);
}

TEST(MasterLinkTest, RegistersHeartbeatsAndObeys) {
  TempDir dir;
  ChunkStore store;
  ASSERT_EQ(store.init(one_disk(dir.path()), {}).to_string(), "ok");
  ASSERT_EQ(store.create(0x10, 3), St::kOk);
  int lfd = net::listen_tcp(kLoopback, 0);
  ASSERT_GE(lfd, 0);
  sockaddr_in sa{};
  socklen_t sl = sizeof sa;
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &sl), 0);
  MasterLink::Options o;
  o.master_host = "127.0.0.1";
  o.master_port = ntohs(sa.sin_port);
  o.cs_port = 9999;
  o.reconnect_delay_s = 1;
  o.label = "ssd";
  MasterLink link(store, o, [] { return 4u; });
  link.start();

  for (int round = 0; round < 2; round++) {
    net::Conn m(::accept(lfd, nullptr, nullptr));
    msg::Hello h;
    ASSERT_TRUE(m.recv_as(h, 5000));
    EXPECT_EQ(h.role, msg::kRoleChunkserver);
    ASSERT_TRUE(m.send(msg::HelloReply{}));
    msg::CsRegister reg;
    ASSERT_TRUE(m.recv_as(reg, 5000));
    EXPECT_EQ(reg.port, 9999);
    EXPECT_EQ(reg.label, "ssd");
    ASSERT_EQ(reg.chunks.size(), round == 0 ? 1u : 2u);
    ASSERT_TRUE(m.send(msg::CsRegisterReply{St::kOk, 1, "", false, {}}));
    if (round == 1) break;
    EXPECT_EQ(reg.chunks[0].chunk_id, 0x10u);
    EXPECT_EQ(reg.chunks[0].version, 3u);
    ASSERT_TRUE(m.send(msg::CsCreate{1, 0x20, 5}));
    ASSERT_TRUE(m.send(msg::CsSetVersion{2, 0x10, 9, 10}));
    ASSERT_TRUE(m.send(msg::CsSetVersion{3, 0x10, 3, 4}));
    std::vector<msg::CsOpStatus> replies;
    bool space = false;
    while (replies.size() < 3 || !space) {
      uint32_t type;
      std::string p;
      ASSERT_TRUE(m.recv(type, p, 5000));
      if (type == msg::CsOpStatus::kType) {
        msg::CsOpStatus s;
        ASSERT_TRUE(net::decode(p, s));
        replies.push_back(s);
      } else if (type == msg::CsSpace::kType) {
        msg::CsSpace s;
        ASSERT_TRUE(net::decode(p, s));
        EXPECT_EQ(s.load, 4u);
        EXPECT_EQ(s.chunk_count, store.count());
        space = true;
      }
    }
    EXPECT_EQ(replies[0].op_id, 1u);
    EXPECT_EQ(static_cast<St>(replies[0].status), St::kOk);
    EXPECT_EQ(replies[0].version, 5u);
    EXPECT_EQ(static_cast<St>(replies[1].status), St::kWrongVersion);
    EXPECT_EQ(replies[1].version, 3u);
    EXPECT_EQ(static_cast<St>(replies[2].status), St::kOk);
    EXPECT_EQ(replies[2].version, 4u);
    // Drop the connection: the chunkserver registers again.
  }
  link.stop();
  link.wait();
  ::close(lfd);
}

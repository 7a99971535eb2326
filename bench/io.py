#!/usr/bin/env python3
"""bench/io.py: the timed file operations of the Antler benchmark.

Each command does its syscalls in one process (no fork per file, so the
figures measure the file system, not the shell) and prints "KEY VALUE" lines
on stdout. Data is pseudo-random and deterministic (a seeded pool), so readers
check every byte they read: a read that returns wrong data is a failure, not a
fast result. Exit status 1 with a message on stderr on any error.

  io.py write FILE MIB               1 MiB writes, fsync, close  -> mibps
  io.py read FILE MIB                1 MiB reads, checked        -> mibps
  io.py randread FILE MIB N          N preads of 4 KiB at distinct random offsets
                                     (POSIX_FADV_RANDOM)         -> iops
  io.py randwrite FILE MIB N         N pwrites of 4 KiB likewise, then fsync -> iops
  io.py parallel DIR N MIB           N processes, each "write"   -> mibps (aggregate)
  io.py meta DIR N                   create, stat, rename, unlink N empty files
                                     -> create_ops stat_ops rename_ops unlink_ops
                                     (stat runs after dropping the kernel caches)
  io.py smallwrite DIR N KIB         N files: create, write, close -> files_per_s
  io.py smallread DIR N KIB          N files: open, read, close, checked -> files_per_s
"""

import os
import random
import sys
import time

MIB = 1 << 20
POOL_SIZE = 16 * MIB
_pool = None


def pool():
    global _pool
    if _pool is None:
        _pool = memoryview(random.Random(20251122).randbytes(POOL_SIZE))
    return _pool


def block(seed, index, size):
    """The bytes of block INDEX of a stream SEED: a slice of the pool at an
    offset that differs per block (so no two neighbouring blocks are equal)."""
    off = ((seed * 7919 + index) * 4096 * 37) % (POOL_SIZE - size)
    return pool()[off:off + size]


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def write_file(path, mib, seed):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for i in range(mib):
            data = block(seed, i, MIB)
            n = os.write(fd, data)
            if n != MIB:
                raise OSError(f"short write at block {i}: {n} of {MIB} bytes")
        os.fsync(fd)
    finally:
        os.close(fd)


def read_file(path, mib, seed):
    buf = bytearray(MIB)
    view = memoryview(buf)
    fd = os.open(path, os.O_RDONLY)
    try:
        for i in range(mib):
            got = 0
            while got < MIB:
                n = os.readv(fd, [view[got:]])
                if n == 0:
                    raise OSError(f"{path}: end of file at {i * MIB + got}, expected {mib * MIB} bytes")
                got += n
            if buf != block(seed, i, MIB):
                raise OSError(f"{path}: wrong data in MiB block {i}")
        if os.read(fd, 1):
            raise OSError(f"{path}: longer than {mib} MiB")
    finally:
        os.close(fd)


def rate(start, amount):
    return amount / max(time.monotonic() - start, 1e-9)


def cmd_write(path, mib):
    mib = int(mib)
    t = time.monotonic()
    write_file(path, mib, 1)
    print(f"mibps {rate(t, mib):.1f}")


def cmd_read(path, mib):
    mib = int(mib)
    t = time.monotonic()
    read_file(path, mib, 1)
    print(f"mibps {rate(t, mib):.1f}")


def random_blocks(mib, n, seed):
    """N distinct 4 KiB block numbers of a MIB MiB file, in random order."""
    blocks = mib * (MIB // 4096)
    n = int(n)
    if n > blocks:
        raise ValueError(f"{n} random 4 KiB operations do not fit {mib} MiB without repeats")
    return random.Random(seed).sample(range(blocks), n)


def cmd_randread(path, mib, n):
    mib = int(mib)
    todo = random_blocks(mib, n, 7)
    pool()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        t = time.monotonic()
        for b in todo:
            data = os.pread(fd, 4096, b * 4096)
            if len(data) != 4096:
                raise OSError(f"{path}: short read at {b * 4096}: {len(data)} bytes")
        elapsed = time.monotonic() - t
    finally:
        os.close(fd)
    # the file was written by "write FILE MIB": check the blocks read (untimed)
    fd = os.open(path, os.O_RDONLY)
    try:
        for b in todo[:1000]:
            i, off = divmod(b * 4096, MIB)
            if os.pread(fd, 4096, b * 4096) != block(1, i, MIB)[off:off + 4096]:
                raise OSError(f"{path}: wrong data at {b * 4096}")
    finally:
        os.close(fd)
    print(f"iops {len(todo) / elapsed:.0f}")


def cmd_randwrite(path, mib, n):
    mib = int(mib)
    todo = random_blocks(mib, n, 8)
    pool()
    fd = os.open(path, os.O_WRONLY)
    try:
        t = time.monotonic()
        for k, b in enumerate(todo):
            if os.pwrite(fd, block(2, k, 4096), b * 4096) != 4096:
                raise OSError(f"{path}: short write at {b * 4096}")
        os.fsync(fd)
        elapsed = time.monotonic() - t
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDONLY)  # check some of the blocks written (untimed)
    try:
        for k, b in enumerate(todo[:1000]):
            if os.pread(fd, 4096, b * 4096) != block(2, k, 4096):
                raise OSError(f"{path}: wrong data at {b * 4096} after the random writes")
    finally:
        os.close(fd)
    print(f"iops {len(todo) / elapsed:.0f}")


def cmd_parallel(directory, n, mib):
    n, mib = int(n), int(mib)
    pool()  # build it before the clock starts, once, shared by the children
    t = time.monotonic()
    children = []
    for w in range(n):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                write_file(os.path.join(directory, f"par{w}"), mib, 100 + w)
            except Exception as e:  # noqa: BLE001 - report anything, exit non-zero
                print(f"writer {w}: {e}", file=sys.stderr)
                code = 1
            os._exit(code)
        children.append(pid)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            failed += 1
    elapsed = time.monotonic() - t
    if failed:
        raise OSError(f"{failed} of {n} writers failed")
    for w in range(n):  # every byte arrived (after the clock stopped)
        read_file(os.path.join(directory, f"par{w}"), mib, 100 + w)
    print(f"mibps {n * mib / elapsed:.1f}")


def cmd_meta(directory, n):
    n = int(n)
    names = [os.path.join(directory, f"f{i:06d}") for i in range(n)]
    renamed = [p + ".renamed" for p in names]

    t = time.monotonic()
    for p in names:
        os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    print(f"create_ops {rate(t, n):.0f}")

    drop_caches()
    t = time.monotonic()
    for p in names:
        if os.stat(p).st_size != 0:
            raise OSError(f"{p}: not empty")
    print(f"stat_ops {rate(t, n):.0f}")

    t = time.monotonic()
    for a, b in zip(names, renamed):
        os.rename(a, b)
    print(f"rename_ops {rate(t, n):.0f}")

    t = time.monotonic()
    for p in renamed:
        os.unlink(p)
    print(f"unlink_ops {rate(t, n):.0f}")
    left = os.listdir(directory)
    if left:
        raise OSError(f"{len(left)} entries left in {directory} after unlink, e.g. {left[0]}")


def cmd_smallwrite(directory, n, kib):
    n, size = int(n), int(kib) * 1024
    pool()
    t = time.monotonic()
    for i in range(n):
        fd = os.open(os.path.join(directory, f"s{i:06d}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            if os.write(fd, block(1000 + i, 0, size)) != size:
                raise OSError(f"short write to file {i}")
        finally:
            os.close(fd)  # close flushes the data to the chunkservers (FUSE flush)
    print(f"files_per_s {rate(t, n):.0f}")


def cmd_smallread(directory, n, kib):
    n, size = int(n), int(kib) * 1024
    pool()
    t = time.monotonic()
    for i in range(n):
        p = os.path.join(directory, f"s{i:06d}")
        fd = os.open(p, os.O_RDONLY)
        try:
            data = b""
            while True:
                chunk = os.read(fd, size + 1 - len(data))
                if not chunk:
                    break
                data += chunk
        finally:
            os.close(fd)
        if data != block(1000 + i, 0, size):
            raise OSError(f"{p}: wrong data ({len(data)} bytes, expected {size})")
    print(f"files_per_s {rate(t, n):.0f}")


COMMANDS = {
    "write": cmd_write,
    "read": cmd_read,
    "randread": cmd_randread,
    "randwrite": cmd_randwrite,
    "parallel": cmd_parallel,
    "meta": cmd_meta,
    "smallwrite": cmd_smallwrite,
    "smallread": cmd_smallread,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except (OSError, TypeError, ValueError) as e:
        print(f"io.py {sys.argv[1]}: {e}", file=sys.stderr)
        sys.exit(1)

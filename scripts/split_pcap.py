#!/usr/bin/env python3
"""Splits a classic pcap file into N contiguous parts of (nearly) equal packet counts.

    scripts/split_pcap.py IN.pcap N OUT_PREFIX     # writes OUT_PREFIX.0.pcap .. .N-1.pcap

Each part is a valid pcap (the input's 24-byte file header, then its records, byte for
byte). Used by scripts/bench-results.sh for the split upper-bound experiment: N weir
processes on N parts in parallel bound what any N-way split of one file can reach.
"""
import mmap
import os
import struct
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip())
    path, parts, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    if not parts.isdigit() or int(parts) < 1:
        sys.exit(f"split_pcap: N must be a whole number >= 1, not '{parts}'")
    parts = int(parts)
    try:
        f = open(path, "rb")
        size = os.fstat(f.fileno()).st_size
    except OSError as e:
        sys.exit(f"split_pcap: {path}: {e.strerror}")
    if size < 24:
        sys.exit(f"split_pcap: {path}: {size} bytes, shorter than a pcap file header (24)")
    with f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        magic = m[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            fmt = "<I"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            fmt = ">I"
        else:
            sys.exit(f"split_pcap: {path}: not a classic pcap file (pcapng is not supported)")
        # Record start offsets (one pass over the headers).
        offs, off, n = [], 24, len(m)
        while off + 16 <= n:
            offs.append(off)
            (cap,) = struct.unpack_from(fmt, m, off + 8)
            off += 16 + cap
        if off != n:
            start = offs[-1] if off > n else off
            sys.exit(f"split_pcap: {path}: byte {start}: truncated record (the file ends at byte {n})")
        offs.append(n)
        packets = len(offs) - 1
        for k in range(parts):
            a, b = offs[packets * k // parts], offs[packets * (k + 1) // parts]
            with open(f"{prefix}.{k}.pcap", "wb") as out:
                out.write(m[:24])
                out.write(m[a:b])
        print(f"{path}: {packets} packets in {parts} parts")


if __name__ == "__main__":
    main()

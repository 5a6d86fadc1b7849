#!/usr/bin/env python3
"""WAL pages per commit of a running SQLite store, read from its -wal file (scripts/bench.sh).

    wal_sampler.py WAL_FILE [interval_seconds]

Until SIGTERM or SIGINT, reads the frame headers of the WAL file every interval. A WAL file is
a 32-byte header (page size, checkpoint sequence, two salts) and frames of a 24-byte header plus
one page; a frame whose header "database size after commit" is not zero ends a transaction, and
only frames carrying the header's salts belong to the current generation (a checkpoint that
restarts the WAL writes new salts and overwrites the file from its start). For every
generation seen, the frames up to its last commit frame and the number of commit frames are
kept from the sample that saw most of it. On exit it prints one line:

    RESULT page_size=.. generations=.. frames=.. commits=.. pages_per_commit=..
           large_commits=.. pages_per_large_commit=.. small_commits=.. pages_per_small_commit=..

A transaction's pages are the frames since the previous commit frame. "large" commits are those
of 16 pages or more (an accepted teleconsultation), "small" the others (an audit row, a
delivery's claim or result).

It is a sample: the store checkpoints (and restarts the WAL) about every 1,000 pages, several
times a second under load, so some generations are seen in part or not at all; the ratio of
the frames to the commits seen is what is reported. Checksums are not verified: the salts
already tell the current frames from stale ones.
"""
import os
import signal
import struct
import sys
import time

from wal_header import FRAME_HEADER_BYTES, HEADER_BYTES, read_header


def read_generation(path):
    """(salts, page size, frames up to the last commit, pages of each commit), or None."""
    try:
        with open(path, "rb") as f:
            header = read_header(f)
            if header is None:
                return None
            page_size, (salt1, salt2), _seq = header
            frame_size = FRAME_HEADER_BYTES + page_size
            size = os.fstat(f.fileno()).st_size
            frames = last_commit = 0
            sizes = []
            offset = HEADER_BYTES
            while offset + frame_size <= size:
                f.seek(offset)
                h = f.read(FRAME_HEADER_BYTES)
                if len(h) < FRAME_HEADER_BYTES:
                    break
                _page, db_size, s1, s2 = struct.unpack(">IIII", h[:16])
                if (s1, s2) != (salt1, salt2):
                    break
                frames += 1
                if db_size != 0:
                    sizes.append(frames - last_commit)
                    last_commit = frames
                offset += frame_size
            return (salt1, salt2), page_size, last_commit, sizes
    except FileNotFoundError:
        return None


def main():
    path = sys.argv[1]
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
    seen = {}  # salts -> (frames, pages of each commit)
    page_size = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        g = read_generation(path)
        if g:
            salts, page_size, frames, sizes = g
            if sizes and frames >= seen.get(salts, (0, []))[0]:
                seen[salts] = (frames, sizes)
        time.sleep(interval)
    sizes = [n for v in seen.values() for n in v[1]]
    large = [n for n in sizes if n >= 16]
    small = [n for n in sizes if n < 16]

    def mean(values):
        return sum(values) / len(values) if values else 0.0

    print(f"RESULT page_size={page_size} generations={len(seen)} frames={sum(sizes)} "
          f"commits={len(sizes)} pages_per_commit={mean(sizes):.1f} "
          f"large_commits={len(large)} pages_per_large_commit={mean(large):.1f} "
          f"small_commits={len(small)} pages_per_small_commit={mean(small):.1f}", flush=True)


if __name__ == "__main__":
    main()

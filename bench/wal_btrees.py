#!/usr/bin/env python3
"""Which b-trees a running SQLite store's commits write, per record (issue 15, time-ordered ids).

    wal_btrees.py sample WAL_FILE OUT_JSON [interval_seconds]   # until SIGTERM or SIGINT
    wal_btrees.py report OUT_JSON DATABASE                      # after the run

`sample` reads the WAL like bench/wal_sampler.py (frames carrying the header's salts, a frame
whose "database size after commit" is not zero ends a transaction, each generation kept from
the sample that saw most of it) and keeps, for every commit, its frames' page numbers and, for a
table-leaf page, its largest rowid. `report` names the owner of each page from the database's
`dbstat` (run it on the database after the load; nothing may have been deleted during the load,
so that pages keep their owner) and counts the records of each commit of 16 pages or more from
the rowids of the `records` table's leaves in it and in the commit before it (same generation).
It prints the records per commit, the WAL pages per commit and per record, and the distinct
pages per record of each b-tree (a page written twice in a commit counts once).

Needs Python's sqlite3 built with dbstat (Debian's is). Measure a load that only inserts records
(scripts/bench.sh phase 4's pile-up: the breaker open, no delivery attempted).
"""
import collections
import json
import signal
import sqlite3
import struct
import sys
import time

from wal_header import FRAME_HEADER_BYTES, read_header


def varint(b, i):
    v = 0
    for k in range(8):
        c = b[i + k]
        v = (v << 7) | (c & 0x7F)
        if c < 0x80:
            return v, i + k + 1
    return (v << 8) | b[i + 8], i + 9


def largest_rowid(page, base):
    """The largest rowid of a table-leaf page (its last cell), or None."""
    if page[base] != 0x0D:
        return None
    cells = struct.unpack(">H", page[base + 3:base + 5])[0]
    if cells == 0:
        return None
    at = base + 8 + 2 * (cells - 1)
    pointer = struct.unpack(">H", page[at:at + 2])[0]
    _, i = varint(page, pointer)  # payload size
    return varint(page, i)[0]


def read_generation(path):
    try:
        with open(path, "rb") as f:
            header = read_header(f)
            if header is None:
                return None
            page_size, (salt1, salt2), seq = header
            data = f.read()
    except FileNotFoundError:
        return None
    frame_size = FRAME_HEADER_BYTES + page_size
    commits, current, frames, last_commit = [], [], 0, 0
    offset = 0
    while offset + frame_size <= len(data):
        page_no, db_size, s1, s2 = struct.unpack(">IIII", data[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break
        page = data[offset + FRAME_HEADER_BYTES:offset + frame_size]
        try:
            rowid = largest_rowid(page, 100 if page_no == 1 else 0)
        except (IndexError, struct.error):
            rowid = None
        current.append([page_no, rowid])
        frames += 1
        if db_size != 0:
            commits.append(current)
            current = []
            last_commit = frames
        offset += frame_size
    return (salt1, salt2, seq), last_commit, commits


def sample(path, out, interval):
    seen = {}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while not stop:
        g = read_generation(path)
        if g:
            key, frames, commits = g
            if commits and frames >= seen.get(key, (0, []))[0]:
                seen[key] = (frames, commits)
        time.sleep(interval)
    generations = [{"seq": k[2], "commits": c} for k, (_, c) in sorted(seen.items(), key=lambda kv: kv[0][2])]
    with open(out, "w") as f:
        json.dump({"generations": generations}, f)


def report(sampled, database):
    with open(sampled) as f:
        generations = json.load(f)["generations"]
    owner = dict(sqlite3.connect(database).execute("SELECT pageno, name FROM dbstat"))
    per_btree = collections.Counter()
    commits = records = frames = 0
    for g in generations:
        previous = None
        for c in g["commits"]:
            top = max((r for p, r in c if r is not None and owner.get(p) == "records"), default=None)
            if len(c) >= 16 and previous is not None and top is not None and top > previous:
                commits += 1
                records += top - previous
                frames += len(c)
                for p in {p for p, _ in c}:
                    per_btree[owner.get(p, "?")] += 1
            if top is not None:
                previous = top
    if records == 0:
        print("no record commit seen")
        return
    print(f"{commits} commits of records seen in {len(generations)} WAL generations, "
          f"{records} records: {records / commits:.1f} per commit; "
          f"{frames / commits:.1f} WAL pages per commit, {frames / records:.2f} per record")
    for name, n in per_btree.most_common():
        print(f"  {name:40s} {n / records:6.2f} pages per record")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "sample":
        sample(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.05)
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

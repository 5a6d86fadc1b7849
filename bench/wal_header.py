"""The header of a SQLite WAL file, read by bench/wal_sampler.py and bench/wal_btrees.py.

The format (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header (magic,
version, page size, checkpoint sequence, two salts, two checksums), then frames of a 24-byte
header (page number, database size after commit or 0, the two salts, two checksums) and a page.
"""
import struct

HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24
_MAGICS = (0x377F0682, 0x377F0683)


def read_header(f):
    """(page size, (salt1, salt2), checkpoint sequence) from an open WAL file positioned at its
    start, or None while it holds no valid header (not written yet, or being reset)."""
    header = f.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        return None
    magic, _version, page_size, seq, salt1, salt2 = struct.unpack(">IIIIII", header[:24])
    if magic not in _MAGICS or page_size == 0:
        return None
    return page_size, (salt1, salt2), seq

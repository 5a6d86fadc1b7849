#!/usr/bin/env bash
# A consistent backup of the gateway's SQLite store, taken while the gateway runs:
#   scripts/backup.sh DATA_DIR DEST_FILE
# SQLite's online backup (the sqlite3 shell's .backup; Debian package sqlite3) copies one
# snapshot of gateway.db with what its WAL holds, without stopping writers. The copy is checked
# (PRAGMA integrity_check), flushed and only then renamed to DEST_FILE, so DEST_FILE is either a
# whole, checked backup or absent. Restore: docs/operations.md, Backups.
set -euo pipefail
usage="usage: backup.sh DATA_DIR DEST_FILE"
data=${1:?$usage}
dest=${2:?$usage}
db="$data/gateway.db"
if [[ ! -f $db ]]; then echo "backup.sh: no store at $db" >&2; exit 66; fi
if ! command -v sqlite3 >/dev/null; then
  echo "backup.sh: needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 69
fi
if [[ $dest == *"'"* ]]; then echo "backup.sh: DEST_FILE must not contain a quote" >&2; exit 64; fi
tmp="$dest.partial.$$"
trap 'rm -f "$tmp" "$tmp-wal" "$tmp-shm" "$tmp-journal"' EXIT
umask 077  # the copy holds health data
# .timeout: wait (rather than fail) while the gateway holds a lock the copy needs.
sqlite3 -bail "$db" ".timeout 30000" ".backup '$tmp'"
check=$(sqlite3 -bail "$tmp" "PRAGMA integrity_check;")
if [[ $check != ok ]]; then echo "backup.sh: the copy fails integrity_check: $check" >&2; exit 70; fi
sync "$tmp"
mv -f "$tmp" "$dest"
trap - EXIT
echo "backup.sh: $dest, $(stat -c %s "$dest") bytes, integrity ok"

#!/usr/bin/env bash
# `mingfang backup` / `restore` on a sized data set, against a baseline measured in the same run (plain
# `pg_dump -Fc` + `cp -r` of the media, no hashing, no manifest). docs/operations.md "Backup and restore".
#
#   npm run build && bash bench/backup-roundtrip.sh [ALERTS] [EVIDENCE_FILES] [CLIPS]
#
# Needs a PostgreSQL server (BENCH_PG_ADMIN, default postgres://postgres@127.0.0.1:5432/postgres) and
# pg_dump/pg_restore. Creates a database and a directory of its own, removes both at the end.
set -euo pipefail
ALERTS=${1:-100000}
EVIDENCE=${2:-2000}
CLIPS=${3:-20}
ADMIN=${BENCH_PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
DB=mingfang_bench_backup_$$
URL=${ADMIN%/*}/$DB
W=$(mktemp -d /tmp/mingfang-bench-backup.XXXXXX)
CLI="node $(dirname "$0")/../services/cli/dist/main.js"
cleanup() { psql -q "$ADMIN" -c "drop database if exists $DB with (force)" || true; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/data/media/evidence/2026/12" "$W/data/media/clips/2026/12"
psql -q "$ADMIN" -c "create database $DB"
export DATABASE_URL=$URL DATA_DIR=$W/data MINGFANG_SECRET=bench-backup-secret-0123456789abcdef LOG_LEVEL=warn
$CLI migrate >/dev/null
$CLI seed >/dev/null
psql -q "$URL" -c "insert into alerts (id, camera_id, workshop_id, station_id, type, confidence, grade, status,
  captured_at, evidence_path, evidence_sha256)
  select gen_random_uuid(), c.id, c.workshop_id, w.station_id, 'no_hat', 0.9, 2, 'new',
    now() - (g || ' minutes')::interval, 'evidence/2026/12/' || g || '.jpg', repeat('0', 64)
  from generate_series(1, $ALERTS) g,
    lateral (select id, workshop_id from cameras order by id limit 1) c join workshops w on w.id = c.workshop_id"
for i in $(seq 1 "$EVIDENCE"); do head -c 51200 /dev/urandom >"$W/data/media/evidence/2026/12/$i.jpg"; done
for i in $(seq 1 "$CLIPS"); do head -c 5242880 /dev/urandom >"$W/data/media/clips/2026/12/$i.mp4"; done
echo "data: $ALERTS alerts, database $(psql -tA "$URL" -c "select pg_size_pretty(pg_database_size('$DB'))"), media $(du -sh "$W/data/media" | cut -f1) in $((EVIDENCE + CLIPS)) files"

now() { date +%s.%N; }
t0=$(now)
pg_dump -Fc --no-owner --no-acl -f "$W/baseline.dump" -d "$URL"
cp -r "$W/data/media" "$W/baseline-media"
t1=$(now)
$CLI backup --out "$W/backup" | sed 's/^/  /'
t2=$(now)
psql -q "$URL" -c "delete from alerts"
$CLI restore --from "$W/backup" | sed 's/^/  /'
t3=$(now)
test "$(psql -tA "$URL" -c 'select count(*) from alerts')" = "$ALERTS"
awk -v b="$(echo "$t1 - $t0" | bc)" -v k="$(echo "$t2 - $t1" | bc)" -v r="$(echo "$t3 - $t2" | bc)" 'BEGIN {
  printf "baseline (pg_dump + cp -r): %.1f s\nmingfang backup:            %.1f s (%.2fx the baseline)\nmingfang restore:           %.1f s (verify + pg_restore + media)\n", b, k, k / b, r }'

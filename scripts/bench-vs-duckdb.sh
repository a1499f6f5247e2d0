#!/usr/bin/env bash
# Batch scoring, side by side: `scorewright score --only-results` against DuckDB running the
# model's own exported SQL (`scorewright export --sql --dialect duckdb`) over the same CSV, each
# writing a CSV of the id and the results. Runs alternate (scorewright, duckdb, scorewright, ...)
# so that both see the same load on a shared machine; the script prints each run, each median,
# the ratio, and each tool's peak memory (maximum resident set size from GNU time).
#
# Usage: scripts/bench-vs-duckdb.sh [MODEL] [ROWS] [RUNS]
#   MODEL  default examples/lead-fit-activity.yaml
#   ROWS   default 1000000 (generated with `scorewright generate --seed 1`)
#   RUNS   default 5 per tool
# Environment: WORK (default a temporary folder, removed at the end unless KEEP=1).
#
# The DuckDB CLI is installed from PyPI (`duckdb-cli`, a wheel with the `duckdb` binary) when
# it is missing; if that fails, the Python `duckdb` package runs the same query.
set -euo pipefail

cd "$(dirname "$0")/.."
MODEL=${1:-examples/lead-fit-activity.yaml}
ROWS=${2:-1000000}
RUNS=${3:-5}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
if [[ -z "${KEEP:-}" ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need_gnu_time

echo "building scorewright (release)..." >&2
cargo build --release --quiet
SW=${CARGO_TARGET_DIR:-target}/release/scorewright

find_duckdb

CONTACTS="$WORK/contacts-$ROWS.csv"
echo "generating $ROWS contacts for $MODEL..." >&2
"$SW" generate "$MODEL" -n "$ROWS" --seed 1 -o "$CONTACTS" --force 2>/dev/null

# The model's own SQL, reading the same file, written by DuckDB to a CSV with a header.
"$SW" export "$MODEL" --sql --dialect duckdb --table "$CONTACTS" -o "$WORK/score.sql" --force 2>/dev/null
{
    echo "COPY ("
    sed -e 's/;[[:space:]]*$//' "$WORK/score.sql"
    echo ") TO '$WORK/duckdb-out.csv' (HEADER);"
} >"$WORK/copy.sql"

SIZE=$(du -m "$CONTACTS" | cut -f1)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $ROWS contacts, ${SIZE} MB ($MODEL); duckdb: $DUCK_VERSION; $RUNS runs each, alternating"
: >"$WORK/sw.all"
: >"$WORK/duck.all"
for i in $(seq 1 "$RUNS"); do
    read -r s m < <(run sw "$SW" score "$MODEL" "$CONTACTS" --only-results -o "$WORK/sw-out.csv" --force)
    echo "$s $m" >>"$WORK/sw.all"
    read -r d n < <(run duck "${DUCK[@]}" "$WORK/copy.sql")
    echo "$d $n" >>"$WORK/duck.all"
    printf 'run %d: scorewright %6.2f s %5d MB   duckdb %6.2f s %5d MB\n' "$i" "$s" $((m / 1024)) "$d" $((n / 1024))
done

SW_T=$(cut -d' ' -f1 "$WORK/sw.all" | median)
DUCK_T=$(cut -d' ' -f1 "$WORK/duck.all" | median)
SW_M=$(cut -d' ' -f2 "$WORK/sw.all" | sort -n | tail -1)
DUCK_M=$(cut -d' ' -f2 "$WORK/duck.all" | sort -n | tail -1)
SW_ROWS=$(($(wc -l <"$WORK/sw-out.csv") - 1))
DUCK_ROWS=$(($(wc -l <"$WORK/duckdb-out.csv") - 1))
echo
printf 'scorewright score --only-results: median %.2f s, peak %d MB, %d rows\n' "$SW_T" $((SW_M / 1024)) "$SW_ROWS"
printf 'duckdb, exported SQL, COPY to CSV: median %.2f s, peak %d MB, %d rows\n' "$DUCK_T" $((DUCK_M / 1024)) "$DUCK_ROWS"
awk -v a="$SW_T" -v b="$DUCK_T" 'BEGIN { printf "ratio: scorewright is %.1fx as fast as duckdb\n", b / a }'

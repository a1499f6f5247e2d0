#!/usr/bin/env bash
# How batch scoring grows: `scorewright score --only-results` over generated contacts, for the
# lead model at several sizes and for every shipped model at one size. Prints a Markdown table
# of the median wall time (of RUNS runs), the peak memory (GNU time) and the file size.
#
# Usage: scripts/bench-growth.sh [RUNS]    (default 3)
# Environment: WORK (default a temporary folder, removed at the end unless KEEP=1).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${1:-3}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
if [[ -z "${KEEP:-}" ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need_gnu_time
cargo build --release --quiet
SW=${CARGO_TARGET_DIR:-target}/release/scorewright

measure() { # model rows: prints "| model | rows | MB | median s | peak MB |"
    local model=$1 rows=$2
    local name
    name=$(basename "$model" .yaml)
    local csv="$WORK/$name-$rows.csv"
    "$SW" generate "$model" -n "$rows" --seed 1 -o "$csv" --force 2>/dev/null
    : >"$WORK/times"
    local peak=0
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$WORK/t" "$SW" score "$model" "$csv" --only-results \
            -o "$WORK/out.csv" --force >/dev/null 2>&1
        read -r s m <"$WORK/t"
        echo "$s" >>"$WORK/times"
        ((m > peak)) && peak=$m
    done
    printf '| %s | %s | %d | %s | %d |\n' "$name" "$rows" "$(($(stat -c %s "$csv") / 1000000))" \
        "$(median <"$WORK/times")" $((peak / 1024))
    rm -f "$csv"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each, medians"
echo
echo "| Model | Contacts | File MB | Wall s | Peak MB |"
echo "|---|---|---|---|---|"
for rows in 10000 100000 1000000; do
    measure examples/lead-fit-activity.yaml "$rows"
done
for model in examples/x-education.yaml examples/b2c-hot-warm-cold.yaml examples/b2b-customer.yaml; do
    measure "$model" 1000000
done

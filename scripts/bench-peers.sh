#!/usr/bin/env bash
# Batch scoring against the tools a data team would really use (issue 15). For each shipped
# model that can be benched, on the same CSV, each writing a CSV of the id and the results:
#   score     `scorewright score --only-results`
#   duckdb    a hand-written DuckDB query (benches/peers/MODEL.sql: DuckDB's own CSV typing,
#             plain CASE arithmetic)
#   polars    a hand-written Polars lazy script (benches/peers/MODEL.py)
#   exported  DuckDB on the model's own exported query (`scorewright export --sql`)
#   id-only   DuckDB reading the file and writing its id column alone: the floor for any tool
#             that reads and writes CSV
# It first runs each once and checks that every peer's scores equal `score`'s (to 1e-9 before
# `score` rounds them to six decimals, row by row, ids included), and
# stops with exit 1 when one does not. Then the runs alternate (score, duckdb, polars,
# exported, id-only, score, ...) so that all see the same load on a shared machine, and it
# prints each tool's median wall time, its ratio to `score`, and its peak memory (GNU time),
# and a Markdown row per model for the README's table.
#
# Usage: scripts/bench-peers.sh [--quick | --check] [MODEL...]
#   MODEL     lead-fit-activity, x-education, telco-churn (default: all three)
#   (default) RUNS runs (5), full size: lead-fit-activity on 1,000,000 generated contacts,
#             x-education on Leads.csv repeated 100 times (924,000 rows), telco-churn on the
#             Telco file repeated 100 times (704,300 rows)
#   --quick   one run, a tenth of the rows: a smoke test of the timing
#   --check   the check alone, on small files (3,000 generated; each real file once): what the
#             test suite runs (tests/examples.rs, `peers_score_as_the_engine_does`)
# Environment: WORK (default a temporary folder, removed at the end unless KEEP=1); SW_BIN (a
# scorewright binary; default: the release build, built first); RUNS; DATA (default
# ../shared/data, where Leads.csv and the Telco file are); PEERS (default benches/peers, where
# the hand-written queries and scripts are).
#
# Needs the DuckDB CLI (installed from PyPI, `duckdb-cli`, when missing) and Polars (installed
# from PyPI when missing, the version .ci/install-engines pins).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

MODE=full
MODELS=()
for arg in "$@"; do
    case $arg in
    --quick) MODE=quick ;;
    --check) MODE=check ;;
    lead-fit-activity | x-education | telco-churn) MODELS+=("$arg") ;;
    *)
        echo "bench-peers: unknown argument '$arg' (models: lead-fit-activity, x-education, telco-churn; options: --quick, --check)" >&2
        exit 2
        ;;
    esac
done
((${#MODELS[@]})) || MODELS=(lead-fit-activity x-education telco-churn)
case $MODE in
full) RUNS=${RUNS:-5} GENERATED=1000000 REPEAT=100 ;;
quick) RUNS=1 GENERATED=100000 REPEAT=10 ;;
check) RUNS=0 GENERATED=3000 REPEAT=1 ;;
esac
DATA=${DATA:-../shared/data}
PEERS=${PEERS:-benches/peers}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
if [[ -z "${KEEP:-}" ]]; then
    trap 'rm -rf "$WORK"' EXIT
fi

need_gnu_time
if [[ -n "${SW_BIN:-}" ]]; then
    SW=$SW_BIN
else
    echo "building scorewright (release)..." >&2
    cargo build --release --quiet
    SW=${CARGO_TARGET_DIR:-target}/release/scorewright
fi
find_duckdb
if [[ -z $DUCK_CLI ]]; then
    echo "bench-peers: needs the DuckDB CLI (pip install duckdb-cli)" >&2
    exit 2
fi
POLARS_VERSION=$(sed -n 's/^POLARS_VERSION=//p' .ci/install-engines)
if ! python3 -c 'import polars' 2>/dev/null; then
    echo "polars not found: installing it from PyPI (polars==$POLARS_VERSION)..." >&2
    python3 -m pip install --quiet --disable-pip-version-check "polars==$POLARS_VERSION" >&2
fi
POLARS=$(python3 -c 'import polars; print(polars.__version__)')

# A real file repeated: its header once, then its rows REPEAT times.
repeat_file() { # source target
    head -n 1 "$1" >"$2"
    for _ in $(seq 1 "$REPEAT"); do tail -n +2 "$1"; done >>"$2"
}

# Fills in a query file's {input} and {output}.
fill() { # template input output target
    sed -e "s|{input}|$2|g" -e "s|{output}|$3|g" "$1" >"$4"
}

# The rows where a peer's output differs from score's: the ids, or a score, or a row that one
# of them lacks. A score agrees when score's written value is what a number within 1e-9 of the
# peer's rounds to (score writes six decimals, half up): a peer's 2.0546874999999964 is
# score's 2.0546875, written 2.054688. Prints "rows differing".
compare() { # score-output peer-output id score-columns...
    local a=$1 b=$2 id=$3
    shift 3
    local differs="a.\"$id\" IS DISTINCT FROM b.\"$id\""
    for c in "$@"; do
        differs+=" OR a.\"$c\" IS NULL OR b.\"$c\" IS NULL"
        local near=()
        for d in 0 1e-9 -1e-9; do near+=("abs(a.\"$c\" - floor((b.\"$c\" + $d) * 1e6 + 0.5) / 1e6)"); done
        differs+=" OR least(${near[0]}, ${near[1]}, ${near[2]}) > 1e-9"
    done
    "$DUCK_CLI" -csv -noheader -c "SELECT count(*), count(*) FILTER (WHERE $differs)
        FROM read_csv('$a', header = true) a POSITIONAL JOIN read_csv('$b', header = true) b"
}

TOOLS=(score duckdb polars exported id-only)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $DUCK_VERSION; polars $POLARS; mode $MODE, $RUNS runs each, alternating"
ROWS_MD=()
for name in "${MODELS[@]}"; do
    model=examples/$name.yaml
    input=$WORK/$name.csv
    case $name in
    lead-fit-activity) "$SW" generate "$model" -n "$GENERATED" --seed 1 -o "$input" --force 2>/dev/null ;;
    x-education) repeat_file "$DATA/leads/Leads.csv" "$input" ;;
    telco-churn) repeat_file "$DATA/churn/Telco-Customer-Churn.csv" "$input" ;;
    esac
    rows=$(($(wc -l <"$input") - 1))
    id=$(sed -n 's/^id_column: *//p' "$model")
    fill "$PEERS/$name.sql" "$input" "$WORK/duckdb-out.csv" "$WORK/duckdb.sql"
    "$SW" export "$model" --sql --dialect duckdb --table "$input" -o "$WORK/export.sql" --force 2>/dev/null
    {
        echo "COPY ("
        sed -e 's/;[[:space:]]*$//' "$WORK/export.sql"
        echo ") TO '$WORK/exported-out.csv' (HEADER);"
    } >"$WORK/exported.sql"
    echo "COPY (SELECT \"$id\" FROM read_csv('$input')) TO '$WORK/id-only-out.csv' (HEADER);" >"$WORK/id-only.sql"
    cmd() { # tool: the command that runs it
        case $1 in
        score) echo "$SW" score "$model" "$input" --only-results -o "$WORK/score-out.csv" --force ;;
        duckdb | exported | id-only) echo "$DUCK_CLI" -f "$WORK/$1.sql" ;;
        polars) echo python3 "$PEERS/$name.py" "$input" "$WORK/polars-out.csv" ;;
        esac
    }

    # The check: every peer's scores are score's.
    for tool in "${TOOLS[@]}"; do
        # shellcheck disable=SC2046 # the command's words, none with spaces (temporary paths)
        run "$tool" $(cmd "$tool") >/dev/null
    done
    mapfile -t scores < <(head -n 1 "$WORK/score-out.csv" | tr ',' '\n' | grep '^score_')
    for tool in duckdb polars exported; do
        read -r n bad < <(compare "$WORK/score-out.csv" "$WORK/$tool-out.csv" "$id" "${scores[@]}" | tr ',' ' ')
        if ((n != rows || bad != 0)); then
            echo "bench-peers: $name: $tool's scores differ from score's on $bad of $n rows (the file has $rows)" >&2
            exit 1
        fi
    done
    echo "$name: $rows rows, $(($(stat -c %s "$input") / 1000000)) MB; duckdb, polars and exported agree with score on ${scores[*]} (1e-9)"
    ((RUNS > 0)) || continue

    for tool in "${TOOLS[@]}"; do : >"$WORK/$tool.all"; done
    for i in $(seq 1 "$RUNS"); do
        line="run $i:"
        for tool in "${TOOLS[@]}"; do
            # shellcheck disable=SC2046
            t=$(run "$tool" $(cmd "$tool"))
            echo "$t" >>"$WORK/$tool.all"
            line+=$(printf ' %s %.2f s' "$tool" "${t% *}")
        done
        echo "$line (load $(cut -d' ' -f1 /proc/loadavg))"
    done
    base=$(cut -d' ' -f1 "$WORK/score.all" | median)
    md="| $name, $rows |"
    for tool in "${TOOLS[@]}"; do
        s=$(cut -d' ' -f1 "$WORK/$tool.all" | median)
        m=$(($(cut -d' ' -f2 "$WORK/$tool.all" | sort -n | tail -1) / 1024))
        ratio=$(awk -v a="$s" -v b="$base" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
        printf '  %-9s median %6.2f s  %5.1fx score  peak %5d MB\n' "$tool" "$s" "$ratio" "$m"
        if [[ $tool == score ]]; then
            md+=$(printf ' %.2f s, %d MB |' "$s" "$m")
        else
            md+=$(printf ' %.2f s (%sx), %d MB |' "$s" "$ratio" "$m")
        fi
    done
    ROWS_MD+=("$md")
done
if ((${#ROWS_MD[@]})); then
    echo
    echo "| model, rows | score | DuckDB hand-written | Polars | DuckDB exported | DuckDB id round-trip |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS_MD[@]}"
fi

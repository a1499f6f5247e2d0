# Helpers shared by the benchmark scripts (sourced, not run): GNU time, the DuckDB CLI, medians.

# Refuses to go on without GNU time, which reports the peak memory (`%M`).
need_gnu_time() {
    if ! /usr/bin/time -f '%e' true 2>/dev/null; then
        echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2
        exit 2
    fi
}

# Sets DUCK (the command that runs a SQL file given after it) and DUCK_VERSION: the DuckDB CLI if
# there is one, else it is installed from PyPI (`duckdb-cli`, a wheel with the `duckdb` binary),
# else the Python `duckdb` package runs the file (DUCK_CLI stays empty then).
find_duckdb() {
    DUCK=()
    DUCK_CLI=
    if command -v duckdb >/dev/null 2>&1; then
        DUCK_CLI=duckdb
    else
        echo "duckdb not found: installing the DuckDB CLI from PyPI (duckdb-cli)..." >&2
        if python3 -m pip install --quiet --user duckdb-cli >&2 && command -v duckdb >/dev/null 2>&1; then
            DUCK_CLI=duckdb
        elif [[ -x "$HOME/.local/bin/duckdb" ]]; then
            DUCK_CLI="$HOME/.local/bin/duckdb"
        fi
    fi
    # The PyPI wheel's `duckdb` is a Python script that starts the bundled binary: half a second
    # of Python start-up (on a loaded machine) that is no part of DuckDB's time.
    local bundled
    bundled=$(python3 -c 'import duckdb_cli, os; print(os.path.join(os.path.dirname(duckdb_cli.__file__), "duckdb"))' 2>/dev/null || true)
    if [[ -n $DUCK_CLI && -x $bundled ]]; then
        DUCK_CLI=$bundled
    fi
    if [[ -n $DUCK_CLI ]]; then
        DUCK=("$DUCK_CLI" -f)
        DUCK_VERSION=$("$DUCK_CLI" --version 2>/dev/null | head -1)
    else
        python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install --quiet --user duckdb >&2
        DUCK=(python3 -c 'import duckdb, sys; duckdb.connect().execute(open(sys.argv[1]).read())')
        DUCK_VERSION="python duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)')"
    fi
}

# Runs a command once under GNU time, its output thrown away and its errors kept in
# $WORK/NAME.err (shown, and the script stopped, when it fails); prints "seconds peak_kb".
run() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$WORK/$name.time" "$@" >/dev/null 2>"$WORK/$name.err" || {
        echo "$name failed:" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    }
    cat "$WORK/$name.time"
}

# The median of the numbers on standard input, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Sets WORK (default a new folder under /tmp) and removes it on exit unless KEEP=1.
work_folder() {
    WORK=${WORK:-$(mktemp -d /tmp/bench.XXXXXX)}
    mkdir -p "$WORK"
    if [[ -z "${KEEP:-}" ]]; then
        trap 'rm -rf "$WORK"' EXIT
    fi
}

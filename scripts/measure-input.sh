#!/usr/bin/env bash
# Measures what the README's "Bad input" section states about the inputs of issue 12, with the
# release binary and /usr/bin/time (wall time, peak RSS):
# - a contacts header of 100,000 columns: scored, and a late duplicate refused;
# - a stray quote in row 2 of 200,000 rows: refused naming line 2, or skipped with --keep-going;
# - dense models under the 64 MB limit: a `show:` of one column repeated, empty `samples`, and a
#   `show:` just under the memory budget (16 times the file's size plus 64 MB).
# Usage: bash scripts/measure-input.sh   (writes only under a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=$PWD/target/release/scorewright
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # label, then the command; prints wall time, peak RSS and the first line of stderr
  local label=$1; shift
  /usr/bin/time -f '%e %M' "$@" >/dev/null 2>"$work/stderr" || true
  local secs kb
  read -r secs kb <<<"$(tail -1 "$work/stderr")"
  printf '%-44s %7s s %6s MB   %s\n' "$label" "$secs" "$((kb / 1024))" \
    "$(grep -v '^[0-9.]* [0-9]*$' "$work/stderr" | grep -v '^Command exited' | head -1 | cut -c1-100)"
}

python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
n = 100_000
names = ",".join(f"c{i}" for i in range(n))
cells = ",".join("1" for _ in range(n))
open(f"{w}/wide.csv", "w").write(f"id,{names}\nA,{cells}\n")
open(f"{w}/wide-dup.csv", "w").write(f"id,{names},c7\nA,{cells},1\n")
rows = "".join(f"c{i},{i % 9},Google\n" for i in range(199_998))
open(f"{w}/stray.csv", "w").write("id,visits,source\nA,1,\"Google\nB,2,Email\n" + rows)
base = open("tests/fixtures/engine.yaml").read()
size = 63 * 1024 * 1024
open(f"{w}/show.yaml", "w").write(base + "show: [" + ", ".join(["visits"] * (size // 8)) + "]\n")
open(f"{w}/samples.yaml", "w").write(base + "samples:\n" + "  - {}\n" * (49 * 1024 * 1024 // 7))
open(f"{w}/edge.yaml", "w").write(base + "show: [" + ", ".join(["visits_xyzw"] * (size // 13)) + "]\n")
PY

m=tests/fixtures/engine.yaml
measure "score, 100,000 columns" "$bin" score "$m" "$work/wide.csv" --allow-errors
measure "score, 100,000 columns and a duplicate" "$bin" score "$m" "$work/wide-dup.csv"
measure "score, stray quote in row 2 of 200,000" "$bin" score "$m" "$work/stray.csv"
measure "score --keep-going, the same" "$bin" score "$m" "$work/stray.csv" --keep-going
for f in show samples edge; do
  measure "check $f.yaml ($(($(wc -c <"$work/$f.yaml") / 1048576)) MB)" "$bin" check "$work/$f.yaml"
done

#!/usr/bin/env bash
# Measures what the README's "Bad input" section states about big and hostile inputs, with the release binary:
# - `score` streams contacts in constant memory: peak RSS for 0.1, 1 and 4 GB piped through it
#   (the principle behind a 10 GB file; set SW_STREAM_GB="1 10" for the real thing);
# - a 100 MB CSV line is refused naming its line, in bounded memory;
# - YAML alias bombs under model keys are refused within a second;
# - a model of 10,000 touchpoints opens and takes an edit (the test prints its timings).
# Usage: bash scripts/measure-hostile.sh   (needs /usr/bin/time; writes only under a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=$PWD/target/release/scorewright
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # label, then the command; prints wall time and peak RSS
  local label=$1; shift
  local out
  out=$( { /usr/bin/time -f '%e %M' "$@" >/dev/null 2>"$work/stderr"; } 2>&1 || true)
  # /usr/bin/time writes its line last on stderr.
  local line
  line=$(tail -1 "$work/stderr")
  read -r secs kb <<<"$line"
  printf '%-48s %8s s %8s MB   %s\n' "$label" "$secs" "$((kb / 1024))" \
    "$(grep -v '^[0-9.]* [0-9]*$' "$work/stderr" | grep -v '^Command exited' | head -1 | cut -c1-110)"
  : "$out"
}

# A model and a block of 10,000 contacts (about 1 MB), repeated to any size without disk.
model=examples/lead-fit-activity.yaml
contacts=examples/lead-fit-activity.csv
header=$(head -1 "$contacts")
tail -n +2 "$contacts" >"$work/rows.csv"
: >"$work/block.csv"
while [ "$(wc -l <"$work/block.csv" 2>/dev/null || echo 0)" -lt 10000 ]; do
  cat "$work/rows.csv" >>"$work/block.csv"
done
block_bytes=$(wc -c <"$work/block.csv")

export header work block_bytes

echo "== score streams contacts (piped through /dev/stdin, output to /dev/null)"
for gb in ${SW_STREAM_GB:-0.1 1 4}; do
  g=$(awk "BEGIN{print int($gb * 1024)}")
  measure "score, ${gb} GB of contacts" bash -c "
    blocks=\$(( ($g * 1024 * 1024) / block_bytes ))
    { echo \"\$header\"; for ((i = 0; i < blocks; i++)); do cat $work/block.csv; done; } |
      $bin score --allow-errors $model /dev/stdin"
done

echo "== a 100 MB CSV line"
python3 - "$work" <<'EOF'
import sys
d = sys.argv[1]
with open(f"{d}/line.csv", "w") as f:
    f.write("id,visits\n1,2\n2,\"" + "x" * (100 << 20) + "\"\n")
with open(f"{d}/noline.csv", "w") as f:
    f.write("id,visits," + ",".join(["x" * 100] * (1 << 20)) + "\n")
EOF
measure "score, a 100 MB quoted cell on line 3" "$bin" score --allow-errors "$model" "$work/line.csv"
measure "score, a 100 MB header line" "$bin" score --allow-errors "$model" "$work/noline.csv"

echo "== YAML alias bombs (2^39 items) under model keys"
python3 - "$work" <<'EOF'
import sys
d = sys.argv[1]
f = "fields:\n  - { id: f, kind: number }\n"
tp = f"name: x\n{f}journeys:\n  - id: j\n    touchpoints:\n      - &t0 {{id: t, weight: 100, signals: [{{field: f, weight: 100, rule: flag}}]}}\n"
co = f"name: x\n{f}journeys: []\nsegments:\n  - {{name: s0, action: a, when: &c0 {{field: f, at_least: 1}}}}\n"
sa = "name: x\njourneys: []\nsamples:\n  - &r0 {id: a, v: lol}\n"
pe = "name: x\njourneys: []\npersonas:\n  - &p0 {name: p, values: {f: 1}, expect: {tier: hot}}\n"
for i in range(1, 40):
    p = i - 1
    tp += f"      - &t{i} {{id: t{i}, weight: 0, touchpoints: [*t{p}, *t{p}]}}\n"
    co += f"  - {{name: s{i}, action: a, when: &c{i} {{any: [*c{p}, *c{p}]}}}}\n"
    sa += f"  - &r{i} {{id: *r{p}, v: *r{p}}}\n"
    pe += f"  - &p{i} {{name: p, values: *p{p}, expect: *p{p}}}\n"
la = "name: x\njourneys: []\nsamples:\n  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
for i in range(1, 9):
    la += f"  - &l{i} [{', '.join([f'*l{i-1}'] * 9)}]\n"
for name, text in [("touchpoints", tp), ("conditions", co), ("samples", sa), ("personas", pe), ("laughs", la)]:
    open(f"{d}/bomb-{name}.yaml", "w").write(text)
EOF
for b in touchpoints conditions samples personas laughs; do
  measure "check, alias bomb under $b" "$bin" check "$work/bomb-$b.yaml"
done

echo "== 10,000 touchpoints in the designer (release build of tests/hostile.rs)"
cargo test --release --quiet --test hostile -- --nocapture ten_thousand 2>&1 | grep '10,000 touchpoints'

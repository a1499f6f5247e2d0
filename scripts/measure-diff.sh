#!/usr/bin/env bash
# Measures `scorewright diff` on generated models of 10,000 and 100,000 touchpoints (one journey,
# one changed note, one removed touchpoint, two swapped): wall time and peak memory of the
# release build. Issue 12, item 11: it was quadratic (100,000 touchpoints: 343 s, 888 MB).
# Usage: bash scripts/measure-diff.sh   (needs /usr/bin/time and python3; writes only under a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
bin=$PWD/target/release/scorewright
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for n in ${SW_DIFF_SIZES:-10000 100000}; do
  python3 - "$n" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
def model(changed):
    ids = list(range(n))
    if changed:
        ids.remove(n * 7 // 10)
        ids[1], ids[2] = ids[2], ids[1]
    out = ["name: big", "fields:", "  - { id: visits, kind: number }", "journeys:", "  - id: j", "    touchpoints:"]
    for i in ids:
        note = ", note: changed" if changed and i == n // 2 else ""
        out.append(f"      - {{ id: t{i}, weight: 0.01{note}, signals: [ {{ field: visits, weight: 100, rule: {{ scale: {{ from: 0, to: 10 }} }} }} ] }}")
    return "\n".join(out) + "\n"
open(f"{work}/old.yaml", "w").write(model(False))
open(f"{work}/new.yaml", "w").write(model(True))
PY
  /usr/bin/time -f '%e %M' "$bin" diff "$work/old.yaml" "$work/new.yaml" >"$work/out" 2>"$work/err" || true
  read -r secs kb <<<"$(tail -1 "$work/err")"
  printf 'diff, %7d touchpoints: %6s s %6s MB, %s changes\n' "$n" "$secs" "$((kb / 1024))" "$(grep -c '' "$work/out")"
done

#!/usr/bin/env bash
# Measures the designer's edit-to-screen latency with a large preview open, as a user sees it:
# the release binary runs in tmux on lead-fit-activity with ROWS generated contacts, the
# preview open; a touchpoint weight is nudged (+1 and -1 in turn) and the preview shown, and
# the screen is polled with `tmux capture-pane` until "recomputing…" has cleared and the
# what-if summary shows the new state. Prints each run, the median and the designer's memory
# (VmHWM: peak resident set; VmRSS: resident now) beside the contacts file's size.
#
# Usage: bash scripts/measure-preview-latency.sh [ROWS] [RUNS]   (defaults: 1000000, 10)
# SW_BIN=path measures another build (default: target/release/scorewright, built first).
# Writes only under a temp dir (the contacts file is kept in /tmp for the next run).
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-1000000}
runs=${2:-10}
if [ -z "${SW_BIN:-}" ]; then
  cargo build --release --quiet
  SW_BIN=$PWD/target/release/scorewright
fi
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 2; }

model_src=examples/lead-fit-activity.yaml
contacts=/tmp/scorewright-latency-$rows.csv
[ -s "$contacts" ] || "$SW_BIN" generate "$model_src" -n "$rows" --seed 7 -o "$contacts" >/dev/null
work=$(mktemp -d)
socket=scorewright-latency-$$
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$model_src" "$work/model.yaml"
mkdir "$work/config"

tm() { tmux -L "$socket" "$@"; }
screen() { tm capture-pane -p -t lat; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Waits until the screen holds every given text and no "recomputing…" nor "loading".
wait_screen() {
  local start s ok t
  start=$(now_ms)
  while true; do
    s=$(screen)
    ok=1
    for t in "$@"; do [[ $s == *"$t"* ]] || ok=0; done
    [[ $s == *"recomputing…"* || $s == *"loading "* ]] && ok=0
    [ $ok = 1 ] && return 0
    if [ $(($(now_ms) - start)) -gt 120000 ]; then
      echo "waited two minutes for: $*; the screen shows:" >&2
      echo "$s" >&2
      exit 1
    fi
  done
}

tm new-session -d -s lat -x 200 -y 50 \
  "exec env SCOREWRIGHT_CONFIG_DIR=$work/config SCOREWRIGHT_DATA_DIR=$work/config NO_COLOR=1 $SW_BIN edit $work/model.yaml --contacts $contacts"
pid=$(tm list-panes -t lat -F '#{pane_pid}')
wait_screen "Fit"
tm send-keys -t lat p
wait_screen "Contacts: $rows of $rows"
tm send-keys -t lat p
# Nineteen rows down the tree is the activity journey's first touchpoint (the journey the
# what-if is about, as it names the tiers), whose weight + and - nudge.
for _ in $(seq 19); do tm send-keys -t lat Down; done
wait_screen "Requested a demo or a price" "+/- weight"

times=()
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) = 1 ]; then
    key=+
    want="contacts change their activity score"
  else
    key=-
    want="No contact's activity score changed"
  fi
  t0=$(date +%s%N)
  tm send-keys -t lat "$key" p
  wait_screen "Contacts: $rows of $rows" "$want"
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000)) # microseconds
  times+=("$ms")
  printf 'run %2d (%s): %6.1f ms\n' "$i" "$key" "$(echo "$ms / 1000" | bc -l)"
  tm send-keys -t lat p
  wait_screen "+/- weight"
done

median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}')
printf 'median of %d: %.1f ms (%s contacts, load average %s)\n' "$runs" "$(echo "$median / 1000" | bc -l)" \
  "$rows" "$(cut -d' ' -f1-3 /proc/loadavg)"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
size=$(wc -c <"$contacts")
printf 'designer memory: VmHWM %d MB, VmRSS %d MB; contacts file %d MB (%.2fx)\n' \
  "$((hwm * 1024 / 1000000))" "$((rss * 1024 / 1000000))" "$((size / 1000000))" "$(echo "$hwm * 1024 / $size" | bc -l)"
tm send-keys -t lat q

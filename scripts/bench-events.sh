#!/usr/bin/env bash
# Events at scale (issue 20): a generated log of CONTACTS contacts (default 1,000,000) with
# about 50 events each (50M rows), scored by a model of five event fields; then a rolling
# back-test over it; then the same score with the log's rows in two other orders: sorted by
# time (as a log that is appended to) and shuffled. Prints a Markdown table of wall time and
# peak memory (GNU time), and whether each order gives the same scores.
#
# Usage: scripts/bench-events.sh
# Environment: CONTACTS (default 1000000), PER (`generate --events-per-contact`, default 64,
# about 50 events a contact once churn and start dates are counted), DATES (rolling dates,
# default 6), WORK (default a temporary folder under /tmp, removed at the end unless KEEP=1).
# The log is written under WORK, never in the project: at 50M rows it is about 1.9 GB, and the
# sorted and shuffled copies as much again each.
set -euo pipefail

cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-1000000}
PER=${PER:-64}
DATES=${DATES:-6}
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
work_folder
need_gnu_time
cargo build --release --quiet
SW=$(pwd)/${CARGO_TARGET_DIR:-target}/release/scorewright

# The model: e-mail opens as capped, decaying points, webinars counted, page views as a rate
# and a recency, spend summed; the outcome a purchase within 90 days; contacts from the log.
model() { # log-file-name
    cat <<EOF
name: Events at scale
as_of: 2026-03-01
events:
  file: $1
  contact_column: contact
  time_column: when
  type_column: type
  value_column: amount
  types:
    - { id: email_open, type: Email open }
    - { id: webinar, match: "Webinar*" }
    - { id: page_view, type: Page view }
    - { id: purchase }
outcome: { event: purchase, within: 90d }
fields:
  - { id: opens, kind: number, events: { type: email_open, aggregate: points, points: 5, half_life: 14d, cap: { points: 15, per: 7d }, last: 90d } }
  - { id: webinars, kind: number, events: { type: webinar, aggregate: count, last: 90d } }
  - { id: view_rate, kind: number, events: { type: page_view, aggregate: frequency, last: 28d } }
  - { id: last_view, kind: date, events: { type: page_view, aggregate: last_seen } }
  - { id: spend, kind: number, events: { type: purchase, aggregate: sum, last: 365d } }
journeys:
  - id: intent
    ending: conversion
    touchpoints:
      - { id: mail, name: Reads our mail, pillars: [personalisation], weight: 25, signals: [ { field: opens, weight: 100, rule: { scale: { from: 0, to: 30 } } } ] }
      - { id: web, name: Attends webinars, pillars: [expectations], weight: 20, signals: [ { field: webinars, weight: 100, rule: { scale: { from: 0, to: 3 } } } ] }
      - { id: views, name: Browses often, pillars: [time_and_effort], weight: 25, signals: [ { field: view_rate, weight: 100, rule: { scale: { from: 0, to: 5 } } } ] }
      - { id: recent, name: Browsed lately, pillars: [empathy], weight: 20, signals: [ { field: last_view, weight: 100, rule: { recency: { half_life_days: 14 } } } ] }
      - { id: bought, name: Has bought, pillars: [integrity], weight: 10, signals: [ { field: spend, weight: 100, rule: { scale: { from: 0, to: 200 } } } ] }
tiers:
  journey: intent
  levels:
    - { name: hot, at_least: 60, handover: sales }
    - { name: warm, at_least: 30, handover: nurture }
    - { name: cold, at_least: 0, handover: none }
segments:
  - { name: Everyone, action: Newsletter, route: marketing }
EOF
}
model log.csv >"$WORK/m.yaml"
model log-by-time.csv >"$WORK/m-by-time.yaml"
model log-shuffled.csv >"$WORK/m-shuffled.yaml"
"$SW" check "$WORK/m.yaml" >/dev/null

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); one run each"
read -r gen_s gen_kb < <(run generate "$SW" generate "$WORK/m.yaml" -n "$CONTACTS" --seed 1 \
    --events "$WORK/log.csv" --events-per-contact "$PER" --force)
events=$(($(wc -l <"$WORK/log.csv") - 1))
mb=$(($(stat -c %s "$WORK/log.csv") / 1000000))
echo "generated $events events of $CONTACTS contacts ($mb MB) in $gen_s s, peak $((gen_kb / 1024)) MB"
# The other orders: by time (stable, so a day's rows keep the contact order), and shuffled.
{ head -1 "$WORK/log.csv"; tail -n +2 "$WORK/log.csv" | sort -t, -k2,2 -s -S 2G -T "$WORK"; } \
    >"$WORK/log-by-time.csv"
{ head -1 "$WORK/log.csv"; tail -n +2 "$WORK/log.csv" | shuf --random-source=<(yes); } \
    >"$WORK/log-shuffled.csv"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "| Run | Log order | Wall s | Peak MB | Same scores |"
echo "|---|---|---|---|---|"
score() { # model-file order-label
    read -r s kb < <(run "score-$2" "$SW" score "$WORK/$1" --only-results -o "$WORK/out-$2.csv" --force)
    sort "$WORK/out-$2.csv" >"$WORK/sorted-$2.csv"
    local same=-
    if [[ -f $WORK/sorted-by-contact.csv && $2 != by-contact ]]; then
        same=$(cmp -s "$WORK/sorted-by-contact.csv" "$WORK/sorted-$2.csv" && echo yes || echo no)
    fi
    printf '| score, %s contacts | %s | %s | %d | %s |\n' "$CONTACTS" "$2" "$s" $((kb / 1024)) "$same"
}
score m.yaml by-contact
score m-by-time.yaml by-time
score m-shuffled.yaml shuffled
# The rolling back-test: DATES dates 30 days apart, the last 90 days before the log's end.
from=$(date -u -d "2026-03-01 - $((30 * (DATES - 1))) days" +%F)
read -r s kb < <(run rolling "$SW" backtest "$WORK/m.yaml" --every 30d --from "$from" --to 2026-03-01)
printf '| backtest --every 30d, %s dates | by-contact | %s | %d | - |\n' "$DATES" "$s" $((kb / 1024))
read -r s kb < <(run single "$SW" backtest "$WORK/m.yaml")
printf '| backtest (one date) | by-contact | %s | %d | - |\n' "$s" $((kb / 1024))
echo
echo "load after generating: $load_after; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# How time and peak memory grow with users and movies: the default scenario's whole
# stack (scenarios/default.ron) at other sizes, each run timed by /usr/bin/time.
#
#   bash benches/scale/run.sh [DAYS] [USERSxMOVIES ...]
#   bash benches/scale/run.sh 7 20000x5000 100000x5000 20000x50000 100000x50000
#
# Prints one line per size: users, movies, days, requests, world/arms/replay seconds
# (from the run's own stage messages), wall seconds, user CPU seconds, peak resident
# memory (MB). Needs a release build (cargo build --release), or RECOLAB_BIN=PATH to
# time another build side by side. docs/PERFORMANCE.md
# holds the figures it printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
days=${1:-7}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000x5000 100000x5000 20000x50000)
bin=${RECOLAB_BIN:-./target/release/recolab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'users\tmovies\tdays\trequests\tworld_s\tarms_s\treplay_s\twall_s\tcpu_s\tpeak_MB\n'
for size in "${sizes[@]}"; do
  users=${size%x*}
  movies=${size#*x}
  # Item CF's default `incremental` warm start keeps a table of every pair of movies
  # and is refused above 16,384 movies: larger catalogues use `frozen_means`.
  item_cf='ItemCf()'
  [ "$movies" -le 16384 ] || item_cf='ItemCf(warm_start: frozen_means)'
  sed -e "s/n_movies: 5000/n_movies: $movies/" \
      -e "s/ItemCf()/$item_cf/" \
      -e "s/n_users: 20000/n_users: $users/" \
      -e "s/days: 30, warm_up_days: 30/days: $days, warm_up_days: 30/" \
      -e 's/name: "default"/name: "scale"/' \
      scenarios/default.ron > "$tmp/scale.ron"
  /usr/bin/time -f 'TIME %e %U %M' "$bin" run "$tmp/scale.ron" --out "$tmp/report" \
    > "$tmp/stdout" 2> "$tmp/stderr"
  world=$(sed -nE 's/.*world ready in ([0-9.]+)s.*/\1/p' "$tmp/stderr")
  arms=$(sed -nE 's/.*arms ready in ([0-9.]+)s.*/\1/p' "$tmp/stderr")
  replay=$(sed -nE 's/.*replay done in ([0-9.]+)s.*/\1/p' "$tmp/stderr")
  requests=$(sed -nE 's/^requests +([0-9]+).*/\1/p' "$tmp/stdout")
  read -r _ wall cpu kb < <(grep '^TIME' "$tmp/stderr")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$users" "$movies" "$days" "$requests" \
    "$world" "$arms" "$replay" "$wall" "$cpu" "$((kb / 1024))"
done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-plot.sh - tests/bench/plot, on a results directory made here (the
# shape make bench writes: <scenario>/bench.json, and for an RPO run
# a/ctl/out/rpo-samples.jsonl and rpo-times):
#
#   plot.devices      a scenario with device results (one without a latency
#                     run) gets <scenario>.png, a PNG
#   plot.percentiles  lat_distribution gives <scenario>-percentiles.png
#   plot.rpo          RPO samples give <scenario>-rpo.png
#   plot.bad-json     a bench.json that is not JSON: exit 1, named, and the
#                     other scenarios' plots are still made
#   plot.usage        no argument, or a missing directory: exit 2, usage
#   plot.no-gnuplot   without gnuplot: exit 2 and says what to install
#
# Skipped (saying why) where gnuplot or jq is not installed.

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

PLOT=$(find_up tests/bench/plot)
if [ -z "$PLOT" ]; then
	echo "FAIL plot.setup: tests/bench/plot not found above $0"
	exit 1
fi
for t in gnuplot jq; do
	if ! command -v "$t" >/dev/null; then
		for n in devices percentiles rpo bad-json usage no-gnuplot; do
			skip "plot.$n" "$t is not installed (make deps installs it)"
		done
		exit 0
	fi
done
make_tmp bench-plot

is_png() {
	[ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

run=$tmp/run
mkdir -p "$run/010-local/a/ctl/out" "$run/040-async/a/ctl/out" "$run/099-broken"
cat >"$run/010-local/bench.json" <<'EOF'
{"scenario": "010-local", "title": "local sync pair", "commit": "abc1234",
 "date": "2026-12-06T00:00:00+00:00", "conditions": {"accel": "tcg"},
 "results": [
  {"label": "raw-a", "lat": {"clat_mean_us": 900.5, "clat_p99_us": 3000},
   "tput": {"mib_s": 400}},
  {"label": "ifrep_sync", "lat": {"clat_mean_us": 1000, "clat_p99_us": 3500},
   "tput": {"mib_s": 380}},
  {"label": "mirror-both", "lat": null, "tput": {"mib_s": 350}}]}
EOF
cat >"$run/040-async/bench.json" <<'EOF'
{"scenario": "040-async", "title": "async", "results": [],
 "lat_distribution": {
  "raw-a": {"p50_us": 600, "p90_us": 2000, "p99_us": 8000, "max_us": 30000},
  "ifrep-idle": {"p50_us": 700, "p90_us": 2100, "p99_us": 8100, "max_us": null}}}
EOF
echo "fio_start 1000.5" >"$run/040-async/a/ctl/out/rpo-times"
for i in 0 1 2 3 4 5; do
	printf '{"t":%s,"rpo":%d,"shipped":%s,"total":8,"dirty":%d,"store":%d,"sent":%d}\n' \
		"$((1000 + i)).6" "$i" "$( ((i % 3)) && echo $i || echo null)" \
		$((10 - i)) $((i << 20)) $((i * 3 << 20))
done >"$run/040-async/a/ctl/out/rpo-samples.jsonl"
echo 'not json {' >"$run/099-broken/bench.json"

"$PLOT" "$run" >"$tmp/out" 2>&1
rc=$?
plots=$run/plots

if is_png "$plots/010-local.png"; then
	ok plot.devices
else
	fail plot.devices "no 010-local.png (exit $rc): $(head -c 300 "$tmp/out")"
fi
if is_png "$plots/040-async-percentiles.png" && [ ! -e "$plots/010-local-percentiles.png" ]; then
	ok plot.percentiles
else
	fail plot.percentiles "040-async-percentiles.png missing, or one made for 010: $(head -c 300 "$tmp/out")"
fi
if is_png "$plots/040-async-rpo.png" && [ ! -e "$plots/010-local-rpo.png" ]; then
	ok plot.rpo
else
	fail plot.rpo "040-async-rpo.png missing, or one made for 010: $(head -c 300 "$tmp/out")"
fi
if [ "$rc" -eq 1 ] && grep -q '099-broken/bench.json is not JSON' "$tmp/out"; then
	ok plot.bad-json
else
	fail plot.bad-json "exit $rc (want 1), output: $(head -c 300 "$tmp/out")"
fi

"$PLOT" >"$tmp/out" 2>&1
rc1=$?
"$PLOT" "$tmp/nonexistent" >"$tmp/out2" 2>&1
rc2=$?
if [ "$rc1" -eq 2 ] && grep -q '^usage: tests/bench/plot RESULTS_DIR' "$tmp/out" &&
   [ "$rc2" -eq 2 ] && grep -q 'no such directory' "$tmp/out2"; then
	ok plot.usage
else
	fail plot.usage "exits $rc1 and $rc2 (want 2): $(cat "$tmp/out" "$tmp/out2" | head -c 300)"
fi

# A PATH with everything the script runs but gnuplot.
mkdir "$tmp/bin"
for t in bash env jq mktemp rm mkdir sed head cat; do
	ln -s "$(command -v "$t")" "$tmp/bin/$t"
done
PATH=$tmp/bin "$PLOT" "$run" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && grep -q 'gnuplot is not installed (make deps installs it)' "$tmp/out"; then
	ok plot.no-gnuplot
else
	fail plot.no-gnuplot "exit $rc (want 2): $(head -c 300 "$tmp/out")"
fi

[ "$failures" -eq 0 ]

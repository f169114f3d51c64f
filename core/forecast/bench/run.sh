#!/usr/bin/env bash
# make bench-forecast: the forecasting benchmarks of docs/benchmarks.md.
#   1. Go: 10,000 synthetic daily series of two years, horizon 28, auto.
#   2. Accuracy side by side: R forecast (auto.arima, ets, thetaf, snaive) and
#      the Go engine on the same holdout of public series (R datasets,
#      forecast's gas/woolyrnq/wineind, statsmodels' bundled series).
#   3. Speed side by side on a sample of the daily population: R auto.arima
#      and ets, the Go engine (auto and arima) on one worker.
# Installs r-base-core, r-cran-forecast and python3-statsmodels from Debian
# when missing (needs root). Set SKIP_R=1 to run only step 1.
set -eu
cd "$(dirname "$0")/../../.."
GO=${GO:-go}
SAMPLE=${SAMPLE:-40}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== 1. Go: 10,000 daily series, horizon 28, automatic selection"
$GO test -run '^$' -bench 'BenchmarkAuto10kDaily$' -benchmem -benchtime 1x -timeout 30m ./core/forecast
[ "${SKIP_R:-}" = 1 ] && exit 0

if ! Rscript -e 'library(forecast)' >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import statsmodels' >/dev/null 2>&1; then
  echo "== installing R and statsmodels from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-forecast python3-statsmodels >/dev/null
fi

echo "== 2. Accuracy on public series: R forecast and Go, same holdout"
/usr/bin/python3 core/forecast/bench/export_statsmodels.py "$out/statsmodels.csv"
Rscript core/forecast/bench/r_accuracy.R "$out/statsmodels.csv" "$out/series.csv" "$out/r_results.csv"
FORECAST_PUBLIC_DIR="$out" FORECAST_ALL=1 $GO test -count=1 -run 'TestPublicAccuracyVsR$' -v ./core/forecast | grep -E 'mean MASE|PASS|FAIL|ok'

echo "== 3. Speed on $SAMPLE daily series of the benchmark population (one core each)"
$GO run ./core/forecast/bench/gendaily -count "$SAMPLE" > "$out/daily.csv"
Rscript core/forecast/bench/r_speed.R "$out/daily.csv"
$GO build -o "$out/supplyhub" ./cmd/supplyhub
TIMEFORMAT="%R %U %S"
for m in auto arima ets; do
  t=$( { time "$out/supplyhub" forecast --input "$out/daily.csv" --horizon 28 --method $m --workers 1 --output "$out/fc-$m.csv" ; } 2>&1 )
  echo "$t" | awk -v m=$m -v n="$SAMPLE" '{ printf "Go %-10s %3d daily series: %7.2f s wall, %7.2f s CPU: %7.2f series per CPU-second (one worker)\n", m, n, $1, $2+$3, n/($2+$3) }'
done

#!/usr/bin/env python3
"""Export the time series bundled with statsmodels (Debian: python3-statsmodels)
as series_id,t,value,season_length rows for core/forecast's accuracy benchmark.

Usage: /usr/bin/python3 export_statsmodels.py OUT.csv
"""
import csv
import sys

import statsmodels.api as sm


def main(out):
    ds = sm.datasets
    rows = []

    def add(sid, values, m):
        values = [float(v) for v in values]
        if any(v != v for v in values):  # NaN: skip, R's side must see the same data
            return
        for t, v in enumerate(values, 1):
            rows.append((sid, t, repr(v), m))

    macro = ds.macrodata.load_pandas().data
    for col in ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1",
                "tbilrate", "unemp", "pop", "infl", "realint"]:
        add("sm.macrodata." + col, macro[col], 4)
    danish = ds.danish_data.load_pandas().data
    for col in danish.columns:
        if col in ("period",):
            continue
        try:
            add("sm.danish." + col, danish[col], 4)
        except (TypeError, ValueError):
            pass
    elnino = ds.elnino.load_pandas().data
    months = [c for c in elnino.columns if c != "YEAR"]
    add("sm.elnino", [v for _, r in elnino.iterrows() for v in r[months]], 12)
    add("sm.sunspots", ds.sunspots.load_pandas().data["SUNACTIVITY"], 1)
    add("sm.nile", ds.nile.load_pandas().data["volume"], 1)
    # weekly CO2 with gaps: monthly means of the observed weeks
    co2 = ds.co2.load_pandas().data["co2"].resample("MS").mean().interpolate()
    add("sm.co2.monthly", co2, 12)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["series_id", "t", "value", "season_length"])
        w.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1])

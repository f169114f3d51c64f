#!/usr/bin/env Rscript
# Records R forecast's output on small textbook cases into
# testdata/r_known_values.csv, for core/forecast's known-value tests.
#
# Usage: Rscript r_known_values.R OUT.csv
# Recorded with: R 4.2.2, forecast 8.20 (Debian bookworm r-base-core,
# r-cran-forecast), command: Rscript core/forecast/bench/r_known_values.R \
#   core/forecast/testdata/r_known_values.csv
suppressMessages(library(forecast))
out <- commandArgs(TRUE)[1]
rows <- list()
rec <- function(case, what, values) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, what = what, i = seq_along(values), value = sprintf("%.10g", as.numeric(values)))
}
fc_rec <- function(case, fc) {
  rec(case, "mean", fc$mean)
  rec(case, "lo80", fc$lower[, 1]); rec(case, "hi80", fc$upper[, 1])
  rec(case, "lo95", fc$lower[, 2]); rec(case, "hi95", fc$upper[, 2])
}
ap <- AirPassengers
rec("AirPassengers", "data", ap)
fc_rec("naive.AirPassengers", naive(ap, h = 12))
fc_rec("snaive.AirPassengers", snaive(ap, h = 24))
fc_rec("drift.AirPassengers", rwf(ap, h = 12, drift = TRUE))
fc_rec("mean.AirPassengers", meanf(ap, h = 6))
rec("Nile", "data", Nile)
f <- ets(Nile, model = "ANN")
rec("ses.Nile", "alpha", f$par["alpha"]); fc_rec("ses.Nile", forecast(f, h = 10))
f <- ets(ap, model = "MAM", damped = FALSE)
rec("ets.MAM.AirPassengers", "aicc", f$aicc); fc_rec("ets.MAM.AirPassengers", forecast(f, h = 24))
f <- ets(ap)
rec("ets.auto.AirPassengers", "aicc", f$aicc); rec("ets.auto.AirPassengers", "model", 0)
rows[[length(rows)]]$value <- f$method
rec("lh", "data", lh)
f <- Arima(lh, order = c(1, 0, 0), method = "CSS")
rec("arima.css.lh", "coef", coef(f)); fc_rec("arima.css.lh", forecast(f, h = 8))
rec("USAccDeaths", "data", USAccDeaths)
f <- Arima(USAccDeaths, order = c(0, 1, 1), seasonal = c(0, 1, 1), method = "CSS")
rec("arima.css.USAccDeaths", "coef", coef(f)); fc_rec("arima.css.USAccDeaths", forecast(f, h = 12))
fc_rec("thetaf.Nile", thetaf(Nile, h = 10))
fc_rec("thetaf.AirPassengers", thetaf(ap, h = 12))
y <- c(0, 0, 3, 0, 0, 0, 5, 0, 2, 0, 0, 0, 0, 4, 0, 1, 0, 0, 6, 0, 0, 0, 2, 0)
rec("intermittent", "data", y)
rec("croston.intermittent", "mean", croston(y, h = 5, alpha = 0.1)$mean)
write.csv(do.call(rbind, rows), out, row.names = FALSE)
cat(sprintf("R %s.%s, forecast %s\n", R.version$major, R.version$minor, as.character(packageVersion("forecast"))))

#!/usr/bin/env Rscript
# Times R forecast's auto.arima and ets on daily series (frequency 7),
# horizon 28, one core, for the side-by-side speed figure.
# Usage: Rscript r_speed.R DAILY.csv
suppressMessages(library(forecast))
d <- read.csv(commandArgs(TRUE)[1], stringsAsFactors = FALSE)
ids <- unique(d$series_id)
cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
run <- function(name, f) {
  t0 <- proc.time()[["elapsed"]]; c0 <- cpu()
  for (id in ids) {
    x <- ts(d$value[d$series_id == id], frequency = 7)
    invisible(forecast(f(x), h = 28))
  }
  el <- proc.time()[["elapsed"]] - t0; cp <- cpu() - c0
  cat(sprintf("R  %-10s %3d daily series: %7.2f s wall, %7.2f s CPU: %7.3f series per CPU-second (one core)\n",
              name, length(ids), el, cp, length(ids) / cp))
}
run("auto.arima", auto.arima)
run("ets", ets)

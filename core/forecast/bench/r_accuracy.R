#!/usr/bin/env Rscript
# Records R forecast's holdout accuracy on public series, for core/forecast's
# side-by-side benchmark (make bench-forecast).
#
# Usage: Rscript r_accuracy.R STATSMODELS.csv SERIES_OUT.csv RESULTS_OUT.csv
#
# Series: every monthly, quarterly and annual ts in R's datasets package
# (mts split into columns) without missing values and with at most 1000
# points, plus gas, woolyrnq and wineind from the forecast package, plus the
# statsmodels series exported by export_statsmodels.py. The last h points are
# held out (h = 18 monthly, 8 quarterly, 6 annual, as in M3); MASE is scaled
# by the in-sample seasonal naive MAE (lag 1 for annual data).
suppressMessages(library(forecast))
args <- commandArgs(TRUE)
sm_csv <- args[1]; series_out <- args[2]; results_out <- args[3]

horizon <- c(`1` = 6, `4` = 8, `12` = 18)
series <- list()
add <- function(id, x, m) {
  x <- as.numeric(x)
  if (any(is.na(x)) || !(as.character(m) %in% names(horizon))) return()
  h <- horizon[[as.character(m)]]
  n <- length(x)
  if (n > 1000 || n - h < max(20, 3 * m)) return()
  series[[id]] <<- list(x = x, m = m, h = h)
}
items <- data(package = "datasets")$results[, "Item"]
for (it in sort(unique(sub(" .*", "", items)))) {
  obj <- tryCatch(get(it, envir = as.environment("package:datasets")), error = function(e) NULL)
  if (!is.ts(obj)) next
  m <- frequency(obj)
  if (is.matrix(obj)) {
    for (j in colnames(obj)) add(paste0(it, ".", j), obj[, j], m)
  } else add(it, obj, m)
}
for (it in c("gas", "woolyrnq", "wineind")) {
  obj <- get(it, envir = asNamespace("forecast")); add(paste0("forecast.", it), obj, frequency(obj))
}
sm <- read.csv(sm_csv, stringsAsFactors = FALSE)
for (id in unique(sm$series_id)) {
  d <- sm[sm$series_id == id, ]; d <- d[order(d$t), ]
  add(id, d$value, d$season_length[1])
}

rows <- list(); srows <- list()
mase <- function(a, f, train, m) mean(abs(a - f)) / mean(abs(diff(train, lag = if (m > 1 && length(train) > m) m else 1)))
smape <- function(a, f) mean(ifelse(abs(a) + abs(f) > 0, 200 * abs(a - f) / (abs(a) + abs(f)), 0))
for (id in names(series)) {
  s <- series[[id]]; n <- length(s$x)
  srows[[id]] <- data.frame(series_id = id, t = seq_len(n), value = s$x, season_length = s$m)
  train <- ts(s$x[1:(n - s$h)], frequency = s$m); test <- s$x[(n - s$h + 1):n]
  run <- function(method, f) {
    t0 <- proc.time()[["elapsed"]]
    fc <- tryCatch(f(), error = function(e) NULL)
    el <- proc.time()[["elapsed"]] - t0
    if (is.null(fc)) return()
    mu <- as.numeric(fc$mean)
    lo95 <- as.numeric(fc$lower[, ncol(fc$lower)]); hi95 <- as.numeric(fc$upper[, ncol(fc$upper)])
    rows[[length(rows) + 1]] <<- data.frame(series_id = id, m = s$m, h = s$h, method = method,
      model = if (!is.null(fc$method)) fc$method else method,
      mase = mase(test, mu, as.numeric(train), s$m), smape = smape(test, mu),
      coverage95 = mean(test >= lo95 & test <= hi95), seconds = el)
  }
  run("auto.arima", function() forecast(auto.arima(train), h = s$h, level = c(80, 95)))
  run("ets", function() forecast(ets(train), h = s$h, level = c(80, 95)))
  run("thetaf", function() thetaf(train, h = s$h, level = c(80, 95)))
  run("snaive", function() snaive(train, h = s$h, level = c(80, 95)))
}
res <- do.call(rbind, rows)
write.csv(do.call(rbind, srows), series_out, row.names = FALSE, quote = FALSE)
write.csv(res, results_out, row.names = FALSE)
cat(sprintf("R %s, forecast %s: %d series\n", paste(R.version$major, R.version$minor, sep = "."),
            as.character(packageVersion("forecast")), length(series)))
print(aggregate(cbind(mase, smape, coverage95, seconds) ~ method, data = res, FUN = mean))

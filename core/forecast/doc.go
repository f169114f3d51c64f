// Package forecast is Supplyhub's demand-forecasting engine: it forecasts how
// much of each SKU will sell at each location, with prediction intervals,
// for the inventory module's safety stock and for merchants' planning.
//
// It is for the gateway (which feeds it series from the store) and for the
// offline command "supplyhub forecast", which runs it on a CSV file. It is
// pure decision code: standard library only, no store, no network. Start with
// Forecast for one series, or Batch for many.
//
// # One series
//
// The simplest call needs a series and a horizon:
//
//	res, err := forecast.Forecast(
//		forecast.Series{ID: "SKU-1@store-3", Values: dailyUnits, Freq: forecast.Daily},
//		forecast.Config{Horizon: 28},
//	)
//	// res.Method: the model chosen, e.g. "ETS(A,Ad,A)"
//	// res.Mean[i]: expected units on day i+1
//	// res.Intervals[0].Lower/Upper: the 80% band, Intervals[1] the 95% band
//
// Values are oldest first and equally spaced. A NaN marks a missing period,
// such as a stockout: record it as NaN, not zero, so it is imputed for
// fitting and left out of accuracy metrics. SeasonLength (or Freq: 7 for
// daily, 12 for monthly...) sets the season.
//
// # Methods
//
// Config.Method forces one method; the default, MethodAuto, chooses per
// series:
//
//   - baselines: MethodNaive, MethodSNaive (seasonal naive), MethodMean,
//     MethodDrift;
//   - exponential smoothing: MethodETS fits the ETS family (additive or
//     multiplicative error; no, additive or damped trend; no, additive or
//     multiplicative season) by maximum likelihood and keeps the lowest
//     AICc; MethodSES is ETS(A,N,N);
//   - MethodARIMA: seasonal ARIMA with the Hyndman–Khandakar search: KPSS
//     tests for d, seasonal strength for D, then a stepwise search on AICc
//     (models fitted by conditional sum of squares);
//   - MethodTheta (standard Theta, the M3 winner) and MethodOptimizedTheta
//     (theta chosen by the data), on seasonally adjusted data when the
//     series is seasonal;
//   - intermittent demand: MethodCroston, MethodSBA, MethodTSB, MethodADIDA,
//     and MethodIntermittent to choose among them;
//   - MethodEnsemble: the median (or mean, Config.Combine) of the best
//     Config.EnsembleSize candidates.
//
// MethodAuto first looks at the share of zeros: a series with an average
// demand interval above Config.IntermittentADI (1.32) gets the Croston
// family (with ETS and Theta competing too on long series, where slow
// movers often keep a weekly pattern), scored by RMSSE. Otherwise it fits
// Config.Candidates (ETS, ARIMA, Theta, seasonal naive; only ETS and Theta
// above Config.LongSeries points, to keep large daily batches fast) and
// keeps the one with the lowest MASE over Config.BacktestWindows rolling
// origins; when the series is too short to backtest, ETS (chosen within its
// family by AICc) wins. A series too short
// for the method falls back to a simpler one, and Result.Method says so:
// "naive (fallback: 3 points, ets needs 7)".
//
// # Quantiles and safety stock
//
// Intervals come from each model's own forecast variance (psi weights of
// its MA(∞) form); intermittent methods use a zero-inflated distribution of
// the observed demand sizes instead of a normal band. Ask for any quantile:
//
//	q := res.Quantile(0.9, 7)              // 90% quantile of day 7's demand
//	rop := res.LeadTimeQuantile(0.95, 5)   // 95% quantile of total demand over 5 days
//	safety := rop - res.LeadTimeMean(5)
//
// LeadTimeQuantile accounts for the correlation of forecast errors across
// the lead time, which summing per-day quantiles would not.
//
// # Full configuration
//
//	cfg := forecast.Config{
//		Horizon:         28,
//		Method:          forecast.MethodAuto,
//		Levels:          []float64{80, 95, 99},
//		SeasonLength:    7,     // overrides each series' own
//		Candidates:      []forecast.Method{forecast.MethodETS, forecast.MethodTheta},
//		BacktestWindows: 3,
//		IntermittentADI: 1.32,
//		LongSeries:      400,
//		AllowNegative:   false, // clip forecasts and bounds at zero
//		Backtest:        true,  // fill res.Backtest (MASE, sMAPE, RMSSE, coverage, pinball)
//	}
//
// Config.WithDefaults fills unset fields and Config.Validate explains what
// is wrong; Forecast does both.
//
// # Many series
//
// Batch forecasts an iterator of series with GOMAXPROCS workers and hands
// results to a callback in input order, holding at most Batch.Window series
// in memory:
//
//	b := forecast.Batch{Config: forecast.Config{Horizon: 28}}
//	err := b.Run(ctx, forecast.StreamCSV(file), func(it forecast.Item) error {
//		if it.Err != nil {
//			return it.Err // or log it and go on
//		}
//		return store.SaveForecast(it.Result)
//	})
//
// ReadCSV, StreamCSV, IsGrouped and CSVWriter implement the offline CSV
// format (series_id,t,value[,season_length] in; series_id,step,forecast,
// lo80,hi80,lo95,hi95,method out). The metrics MASE, RMSSE, SMAPE, Coverage
// and Pinball are exported for evaluations of your own.
package forecast

package forecast

import (
	"context"
	"iter"
	"runtime"
	"sync"
)

// Batch forecasts many series with a pool of workers. Memory is bounded by
// Window series (and their results) in flight, whatever the number of series.
type Batch struct {
	// Config applies to every series; it is defaulted and validated once.
	Config Config
	// Workers is the number of goroutines fitting models. Default
	// GOMAXPROCS.
	Workers int
	// Window is the most series read ahead of the one being emitted.
	// Default 4×Workers.
	Window int
}

// Item is the outcome for one series of a batch.
type Item struct {
	// Index is the series' position in the input, from 0.
	Index int
	// Series is the input series.
	Series Series
	// Result is the forecast when Err is nil.
	Result Result
	// Err says why this series could not be forecast; it names the series.
	Err error
}

// Run reads series from src, forecasts them concurrently and calls sink
// with every item in input order, from the calling goroutine. Run stops at
// the first error from src, from sink (which may simply return Item.Err to
// stop at the first bad series) or from ctx, and returns it; an invalid
// Config is returned before anything is read.
func (b Batch) Run(ctx context.Context, src iter.Seq2[Series, error], sink func(Item) error) error {
	cfg := b.Config.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	workers := b.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	window := b.Window
	if window <= 0 {
		window = 4 * workers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan Item)
	results := make(chan Item, window)
	slots := make(chan struct{}, window)
	var srcErr error
	var wg sync.WaitGroup

	go func() { // reader
		defer close(jobs)
		i := 0
		for s, err := range src {
			if err != nil {
				srcErr = err
				return
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- Item{Index: i, Series: s}:
			case <-ctx.Done():
				return
			}
			i++
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range jobs {
				it.Result, it.Err = forecastValid(it.Series, cfg)
				select {
				case results <- it:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]Item{}
	next := 0
	for it := range results {
		pending[it.Index] = it
		for {
			ready, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-slots
			if err := sink(ready); err != nil {
				cancel()
				for range results { // let workers finish
				}
				return err
			}
		}
	}
	if srcErr != nil {
		return srcErr
	}
	return ctx.Err()
}

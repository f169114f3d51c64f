package forecast

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"
	"testing"
)

func seqOf(series []Series, failAt int) iter.Seq2[Series, error] {
	return func(yield func(Series, error) bool) {
		for i, s := range series {
			if i == failAt {
				yield(Series{}, errors.New("source broke"))
				return
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

func manySeries(n int) []Series {
	out := make([]Series, n)
	for i := range out {
		out[i] = Series{ID: fmt.Sprintf("s%03d", i), Values: seasonal(60+i%7, 7, 20+float64(i), 0, 5, 1, uint64(i)), SeasonLength: 7}
	}
	return out
}

func TestBatchRunInOrder(t *testing.T) {
	t.Parallel()
	series := manySeries(40)
	var got []string
	err := Batch{Config: Config{Horizon: 7, Method: MethodTheta}, Workers: 3, Window: 5}.Run(context.Background(), seqOf(series, -1), func(it Item) error {
		if it.Err != nil {
			return it.Err
		}
		if it.Result.SeriesID != it.Series.ID || len(it.Result.Mean) != 7 {
			return fmt.Errorf("item %d: result for %q with %d steps", it.Index, it.Result.SeriesID, len(it.Result.Mean))
		}
		got = append(got, it.Series.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range got {
		if id != series[i].ID {
			t.Fatalf("item %d is %s, want %s (input order)", i, id, series[i].ID)
		}
	}
	if len(got) != len(series) {
		t.Errorf("%d items, want %d", len(got), len(series))
	}
	// the same series alone gives the same forecast as in the batch
	one, err := Forecast(series[5], Config{Horizon: 7})
	if err != nil {
		t.Fatal(err)
	}
	err = Batch{Config: Config{Horizon: 7}}.Run(context.Background(), seqOf(series[5:6], -1), func(it Item) error {
		for i := range one.Mean {
			if math.Abs(one.Mean[i]-it.Result.Mean[i]) > 0 {
				return fmt.Errorf("batch forecast differs from Forecast at step %d", i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestBatchErrors(t *testing.T) {
	t.Parallel()
	series := manySeries(20)
	t.Run("invalid config", func(t *testing.T) {
		err := Batch{}.Run(context.Background(), seqOf(series, -1), func(Item) error { return nil })
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("error %v, want ErrInvalidConfig", err)
		}
	})
	t.Run("source error", func(t *testing.T) {
		n := 0
		err := Batch{Config: Config{Horizon: 3, Method: MethodTheta}}.Run(context.Background(), seqOf(series, 10), func(Item) error { n++; return nil })
		if err == nil || err.Error() != "source broke" || n != 10 {
			t.Errorf("error %v after %d items, want the source error after 10", err, n)
		}
	})
	t.Run("bad series reaches the sink", func(t *testing.T) {
		bad := append([]Series{}, series[:5]...)
		bad[3] = Series{ID: "empty"}
		err := Batch{Config: Config{Horizon: 3, Method: MethodTheta}}.Run(context.Background(), seqOf(bad, -1), func(it Item) error { return it.Err })
		if !errors.Is(err, ErrInvalidSeries) || !strings.Contains(err.Error(), `"empty"`) {
			t.Errorf("error %v, want the series error naming it", err)
		}
	})
	t.Run("sink stops early", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		err := Batch{Config: Config{Horizon: 3, Method: MethodTheta}, Workers: 2}.Run(context.Background(), seqOf(series, -1), func(Item) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 3 {
			t.Errorf("error %v after %d items, want the sink's error after 3", err, n)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := Batch{Config: Config{Horizon: 3, Method: MethodTheta}, Workers: 2}.Run(ctx, seqOf(series, -1), func(Item) error {
			n++
			if n == 2 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || n >= len(series) {
			t.Errorf("error %v after %d items, want context.Canceled before the end", err, n)
		}
	})
}

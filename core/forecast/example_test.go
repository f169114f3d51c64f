package forecast_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/supplyhub/supplyhub/core/forecast"
)

func ExampleForecast() {
	// Monthly units of one SKU at one location: two years with a yearly season.
	units := []float64{
		120, 130, 150, 160, 170, 200, 210, 205, 180, 160, 140, 190,
		130, 140, 160, 170, 185, 215, 225, 220, 190, 170, 150, 205,
	}
	res, err := forecast.Forecast(
		forecast.Series{ID: "SKU-1@store-3", Values: units, Freq: forecast.Monthly},
		forecast.Config{Horizon: 3, Method: forecast.MethodSNaive},
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Method)
	for step, v := range res.Mean {
		fmt.Printf("month %d: %.0f (95%%: %.0f to %.0f)\n", step+1, v,
			res.Intervals[1].Lower[step], res.Intervals[1].Upper[step])
	}
	// Output:
	// snaive[12]
	// month 1: 130 (95%: 106 to 154)
	// month 2: 140 (95%: 116 to 164)
	// month 3: 160 (95%: 136 to 184)
}

func ExampleResult_LeadTimeQuantile() {
	// Daily demand; the supplier delivers 5 days after an order.
	demand := []float64{3, 5, 4, 6, 5, 4, 5, 6, 4, 5, 3, 5, 6, 4, 5, 4, 6, 5, 4, 5, 5}
	res, err := forecast.Forecast(forecast.Series{ID: "SKU-2", Values: demand}, forecast.Config{Horizon: 7, Method: forecast.MethodMean})
	if err != nil {
		fmt.Println(err)
		return
	}
	mean := res.LeadTimeMean(5)
	reorderPoint := res.LeadTimeQuantile(0.95, 5) // 95% cycle service level
	fmt.Printf("expected demand over the lead time %.1f, reorder point %.1f, safety stock %.1f\n",
		mean, reorderPoint, reorderPoint-mean)
	// Output:
	// expected demand over the lead time 23.6, reorder point 27.3, safety stock 3.7
}

func ExampleBatch() {
	in := "series_id,t,value\n" +
		"A,1,10\nA,2,12\nA,3,11\nA,4,13\n" +
		"B,1,0\nB,2,3\nB,3,0\nB,4,0\nB,5,4\nB,6,0\n"
	b := forecast.Batch{Config: forecast.Config{Horizon: 2, Method: forecast.MethodNaive}}
	w, _ := forecast.NewCSVWriter(os.Stdout, []float64{80, 95})
	err := b.Run(context.Background(), forecast.StreamCSV(strings.NewReader(in)), func(it forecast.Item) error {
		if it.Err != nil {
			return it.Err
		}
		return w.Write(&it.Result)
	})
	if err != nil {
		fmt.Println(err)
	}
	w.Flush()
	// Output:
	// series_id,step,forecast,lo80,hi80,lo95,hi95,method
	// A,1,13,10.7803,15.2197,9.6052,16.3948,naive
	// A,2,13,9.8609,16.1391,8.1991,17.8009,naive
	// B,1,0,0,4.0526,0,6.198,naive
	// B,2,0,0,5.7313,0,8.7652,naive
}

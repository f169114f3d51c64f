package recommend

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// EvalConfig tunes [Evaluate].
type EvalConfig struct {
	// K is the length of each recommendation list. Default 10.
	K int
	// Methods are the methods to compare. Default all of [Methods];
	// popularity is always added as the baseline.
	Methods []Method
	// Model configures the model trained on the history.
	Model Config
}

// Score is one method's result in an evaluation.
type Score struct {
	Method Method `json:"method"`
	// HitRate is the share of queries with at least one held-out item in
	// the top k.
	HitRate float64 `json:"hit_rate"`
	// Precision is the mean share of the k slots holding a held-out item.
	Precision float64 `json:"precision"`
	// Recall is the mean share of the held-out items found in the top k.
	Recall float64 `json:"recall"`
	// Coverage is the share of the training catalogue (SKUs with orders)
	// recommended to at least one query.
	Coverage float64 `json:"coverage"`
	// Queries is the number of queries scored; 0 when the method does not
	// apply (user-knn has no item-to-item form).
	Queries int `json:"queries"`
}

// Evaluation is the report of [Evaluate].
type Evaluation struct {
	K int `json:"k"`
	// Orders is the number of orders read (latest versions, non-empty).
	Orders int `json:"orders"`
	// TrainOrders is the number of orders the model was trained on: every
	// order but the customers' held-out last orders.
	TrainOrders int `json:"train_orders"`
	// Items is the number of SKUs with orders in the training set.
	Items int `json:"items"`
	// Customers is the number of customers with an id.
	Customers int `json:"customers"`
	// Evaluated is the number of customers scored: at least two orders,
	// and a last order with an item they had not bought before.
	Evaluated int `json:"evaluated"`
	// SingleOrder is the number of customers with one order, who have no
	// history to predict from.
	SingleOrder int `json:"single_order"`
	// RepeatOnly is the number of customers whose last order only repeats
	// items they had bought, which no method is asked to predict.
	RepeatOnly int `json:"repeat_only"`
	// Customer scores each method on the customers' held-out last orders
	// (ForCustomer, leaving out what they had bought).
	Customer []Score `json:"customer"`
	// BasketQueries is the number of item-to-item queries: one per item of
	// each held-out order with at least two items.
	BasketQueries int `json:"basket_queries"`
	// Basket scores each item method on completing held-out orders from one
	// of their items (ForItem): a hit when another item of the order is in
	// the top k.
	Basket []Score `json:"basket"`
	// Notes are warnings for people, e.g. too little data.
	Notes []string `json:"notes,omitempty"`
}

// Best returns the score of the method with the highest hit rate in scores,
// and whether there was one besides popularity.
func Best(scores []Score) (Score, bool) {
	var best Score
	found := false
	for _, s := range scores {
		if s.Method != Popularity && s.Queries > 0 && (!found || s.HitRate > best.HitRate) {
			best, found = s, true
		}
	}
	return best, found
}

// Evaluate measures the methods offline with leave-last-order-out: each
// customer's latest order (by created_at, then order id) is held out, a
// model is trained on all other orders, and every method recommends K items
// for each customer with at least two orders, leaving out what the customer
// had bought; a hit is a held-out item they had not bought before. It also
// scores item-to-item recommendations by completing each held-out order
// from one of its items. Popularity is the baseline.
func Evaluate(baskets []Basket, cfg EvalConfig) (*Evaluation, error) {
	if cfg.K == 0 {
		cfg.K = 10
	}
	if err := cfg.Model.Validate(); err != nil {
		return nil, err
	}
	if cfg.K < 1 || cfg.K > cfg.Model.withDefaults().MaxK {
		return nil, fmt.Errorf("recommend: evaluate: k %d: must be between 1 and %d", cfg.K, cfg.Model.withDefaults().MaxK)
	}
	methods := []Method{Popularity}
	if len(cfg.Methods) == 0 {
		cfg.Methods = Methods
	}
	for _, mt := range cfg.Methods {
		if _, err := ParseMethod(string(mt)); err != nil {
			return nil, fmt.Errorf("recommend: evaluate: %w", err)
		}
		if !slices.Contains(methods, mt) {
			methods = append(methods, mt)
		}
	}
	keep, skus, err := latestVersions(baskets)
	if err != nil {
		return nil, fmt.Errorf("recommend: evaluate: %w", err)
	}

	// Hold out each customer's latest order.
	last := map[string]int{}
	orders := map[string]int{}
	ev := &Evaluation{K: cfg.K}
	for _, i := range keep {
		b := &baskets[i]
		if len(skus[i]) == 0 {
			continue
		}
		ev.Orders++
		if b.CustomerID == "" {
			continue
		}
		orders[b.CustomerID]++
		if j, ok := last[b.CustomerID]; !ok || laterOrder(b, &baskets[j]) {
			last[b.CustomerID] = i
		}
	}
	ev.Customers = len(orders)
	heldOut := map[int]bool{}
	for c, i := range last {
		if orders[c] >= 2 {
			heldOut[i] = true
		} else {
			ev.SingleOrder++
		}
	}
	train := make([]Basket, 0, len(keep))
	for _, i := range keep {
		if len(skus[i]) > 0 && !heldOut[i] {
			train = append(train, baskets[i])
		}
	}
	ev.TrainOrders = len(train)
	m, err := Build(train, cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("recommend: evaluate: %w", err)
	}
	ev.Items = m.Stats().Items
	if ev.TrainOrders < m.cfg.MinOrders {
		ev.Notes = append(ev.Notes, fmt.Sprintf("only %d training orders; need at least %d for anything but best sellers, so every method shows best sellers",
			ev.TrainOrders, m.cfg.MinOrders))
	}

	// Customer queries: the held-out items the customer had not bought.
	type query struct {
		customer string
		sku      string
		targets  []string
	}
	var custQ, itemQ []query
	held := make([]int, 0, len(heldOut))
	for i := range heldOut {
		held = append(held, i)
	}
	slices.Sort(held)
	for _, i := range held {
		b := &baskets[i]
		bought := map[string]bool{}
		if u, ok := m.customerID[b.CustomerID]; ok {
			for _, c := range m.customers[u].items {
				bought[m.skus[c.id]] = true
			}
		}
		var targets []string
		for _, s := range skus[i] {
			if !bought[s] {
				targets = append(targets, s)
			}
		}
		if len(targets) == 0 {
			ev.RepeatOnly++
		} else {
			custQ = append(custQ, query{customer: b.CustomerID, targets: targets})
		}
		if len(skus[i]) >= 2 {
			for _, s := range skus[i] {
				others := slices.DeleteFunc(slices.Clone(skus[i]), func(x string) bool { return x == s })
				itemQ = append(itemQ, query{sku: s, targets: others})
			}
		}
	}
	ev.Evaluated, ev.BasketQueries = len(custQ), len(itemQ)
	if len(custQ) == 0 {
		ev.Notes = append(ev.Notes, "no customer has two orders with something new in the last one: customer methods were not scored (does the CSV fill customer_id?)")
	}

	score := func(mt Method, qs []query) (Score, error) {
		s := Score{Method: mt}
		if len(qs) == 0 || (mt == UserKNN && qs[0].customer == "") {
			return s, nil
		}
		workers := max(1, runtime.GOMAXPROCS(0))
		type part struct {
			hits, prec, rec float64
			seen            map[string]bool
			err             error
		}
		parts := make([]part, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				p := &parts[w]
				p.seen = map[string]bool{}
				for x := w; x < len(qs); x += workers {
					q := qs[x]
					var res Result
					if q.customer != "" {
						res, p.err = m.Recommend(Query{Customer: q.customer, K: cfg.K, Method: mt})
					} else {
						res, p.err = m.Recommend(Query{SKUs: []string{q.sku}, K: cfg.K, Method: mt})
					}
					if p.err != nil {
						return
					}
					h := 0
					for _, it := range res.Items {
						p.seen[it.SKU] = true
						if slices.Contains(q.targets, it.SKU) {
							h++
						}
					}
					if h > 0 {
						p.hits++
					}
					p.prec += float64(h) / float64(cfg.K)
					p.rec += float64(h) / float64(len(q.targets))
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, p := range parts {
			if p.err != nil {
				return s, p.err
			}
			s.HitRate += p.hits
			s.Precision += p.prec
			s.Recall += p.rec
			for k := range p.seen {
				seen[k] = true
			}
		}
		n := float64(len(qs))
		s.Queries = len(qs)
		s.HitRate, s.Precision, s.Recall = s.HitRate/n, s.Precision/n, s.Recall/n
		if ev.Items > 0 {
			s.Coverage = float64(len(seen)) / float64(ev.Items)
		}
		return s, nil
	}
	for _, mt := range methods {
		cs, err := score(mt, custQ)
		if err != nil {
			return nil, fmt.Errorf("recommend: evaluate %s for customers: %w", mt, err)
		}
		ev.Customer = append(ev.Customer, cs)
		if mt == UserKNN {
			continue
		}
		bs, err := score(mt, itemQ)
		if err != nil {
			return nil, fmt.Errorf("recommend: evaluate %s for items: %w", mt, err)
		}
		ev.Basket = append(ev.Basket, bs)
	}
	return ev, nil
}

// laterOrder reports whether a was placed after b (order id breaks ties).
func laterOrder(a, b *Basket) bool {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c > 0
	}
	return strings.Compare(a.OrderID, b.OrderID) > 0
}

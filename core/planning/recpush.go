package planning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/core/recommend"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// RecommendConfig configures pushing "frequently bought together" lists
// to sales channels, e.g. Shopify's complementary products.
type RecommendConfig struct {
	// Channels are the connection ids whose products get a list of the
	// products most often bought with them; "*" means every connection
	// whose connector accepts set_recommendations. None by default.
	Channels []string `yaml:"channels" env:"SUPPLYHUB_RECOMMEND_CHANNELS"`
	// K is the most products in each list, 1 to 50; 10.
	K int `yaml:"k" env:"SUPPLYHUB_RECOMMEND_K"`
	// Method scores co-purchases: lift, cosine or item-knn; empty uses the
	// model's item method (cosine).
	Method string `yaml:"method" env:"SUPPLYHUB_RECOMMEND_METHOD"`
}

func (c *RecommendConfig) setDefaults() {
	if c.K == 0 {
		c.K = 10
	}
}

// Validate reports a setting out of range (zero settings take their
// defaults).
func (c RecommendConfig) Validate() error {
	c.setDefaults()
	if c.K < 1 || c.K > commerce.MaxRecommendedProducts {
		return fmt.Errorf("planning: recommend.k %d: must be from 1 to %d", c.K, commerce.MaxRecommendedProducts)
	}
	if c.Method != "" {
		m, err := recommend.ParseMethod(c.Method)
		if err != nil || m == recommend.UserKNN || m == recommend.Popularity {
			return fmt.Errorf("planning: recommend.method %q: use lift, cosine or item-knn (co-purchase methods)", c.Method)
		}
	}
	return nil
}

// RecommendationPush is the outcome of pushing recommendation lists.
type RecommendationPush struct {
	// Trigger is what asked for the push: start, schedule or api.
	Trigger string `json:"trigger"`
	// Queued is the number of products whose list was queued for writing.
	Queued int `json:"queued"`
	// Channels has the figures of each channel.
	Channels []ChannelPush `json:"channels"`
	// At is when the push ran.
	At time.Time `json:"at"`
}

// ChannelPush is what one channel got.
type ChannelPush struct {
	Channel string `json:"channel"`
	// Products is the number of the channel's products with a SKU.
	Products int `json:"products"`
	// Queued lists changed since the last push, written through the
	// channel's write-back queue (GET /v1/writebacks?connection=<id>).
	Queued int `json:"queued"`
	// Unchanged lists equal to the last one pushed: nothing is sent.
	Unchanged int `json:"unchanged"`
	// Empty is the number of products nothing is bought with often
	// enough (yet) among the channel's products.
	Empty int `json:"empty"`
	// Error says why the channel got nothing, if it did not.
	Error string `json:"error,omitempty"`
}

// recPusher remembers the list last pushed to each channel product, so
// that an unchanged list is not queued again.
type recPusher struct {
	mu   sync.Mutex        // one push at a time
	last map[string]string // channel \x00 product id -> hash of the list
}

// errNoModel is returned before the model's first build.
var errNoModel = errors.New("planning: the recommendation model is still being built; retry in a moment")

// recommendChannels resolves the configured channels ("*": every
// connection accepting set_recommendations).
func (s *Service) recommendChannels(ctx context.Context) ([]string, error) {
	var out []string
	for _, c := range s.cfg.Recommend.Channels {
		if c != "*" {
			out = append(out, c)
			continue
		}
		lister, ok := s.caps.(interface {
			ConnectionsAccepting(ctx context.Context, action string) ([]string, error)
		})
		if !ok {
			return nil, fmt.Errorf("planning: recommend.channels \"*\" needs the gateway's connections")
		}
		all, err := lister.ConnectionsAccepting(ctx, sdk.ActionSetRecommendations)
		if err != nil {
			return nil, err
		}
		out = append(out, all...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// PushRecommendations computes, for every product of every configured
// channel, the products most often bought with it that the channel also
// sells, and queues each list that changed since the last push as a
// set_recommendations write-back. A channel's failure is reported in its
// ChannelPush; the error is for failures of the whole push.
func (s *Service) PushRecommendations(ctx context.Context, trigger string) (RecommendationPush, error) {
	out := RecommendationPush{Trigger: trigger, At: s.now().UTC(), Channels: []ChannelPush{}}
	if err := s.cfg.Recommend.Validate(); err != nil {
		return out, err
	}
	if s.writer == nil {
		return out, fmt.Errorf("planning: no write-back path to push recommendations through")
	}
	m := s.recommender()
	if m == nil {
		return out, errNoModel
	}
	channels, err := s.recommendChannels(ctx)
	if err != nil {
		return out, err
	}
	s.recPush.mu.Lock()
	defer s.recPush.mu.Unlock()
	for _, ch := range channels {
		cp, err := s.pushChannel(ctx, m, ch, out.At)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			cp.Error = err.Error()
			s.log.Warn("push recommendations", "channel", ch, "err", err)
		}
		out.Queued += cp.Queued
		out.Channels = append(out.Channels, cp)
	}
	s.log.Info("recommendations pushed", "trigger", trigger, "channels", len(channels), "queued", out.Queued)
	return out, nil
}

// channelProduct is a product of a channel: its id there and its SKUs.
type channelProduct struct {
	id   string
	skus []string
}

func (s *Service) pushChannel(ctx context.Context, m *recommend.Model, channel string, now time.Time) (ChannelPush, error) {
	cp := ChannelPush{Channel: channel}
	products, bySKU, err := s.channelProducts(ctx, channel)
	if err != nil {
		return cp, err
	}
	cp.Products = len(products)
	k := s.cfg.Recommend.K
	// Ask for more than k: some recommended SKUs are not sold on the
	// channel, and several may be variants of one product.
	ask := min(max(5*k, 50), m.Config().MaxK)
	meth := recommend.Method(s.cfg.Recommend.Method)
	for _, p := range products {
		res, err := m.Recommend(recommend.Query{SKUs: p.skus, K: ask, Method: meth})
		if errors.Is(err, recommend.ErrInsufficientData) {
			cp.Empty = len(products)
			return cp, nil // no orders yet: nothing to recommend anywhere
		}
		if err != nil {
			return cp, err
		}
		rec := &commerce.ProductRecommendations{
			Meta:   commerce.Meta{Source: commerce.Ref{Connection: channel, ExternalID: p.id}, UpdatedAt: now},
			SKU:    p.skus[0],
			Intent: commerce.IntentComplementary, Method: string(res.Method), GeneratedAt: now,
			Items: []commerce.RecommendedProduct{},
		}
		seen := map[string]bool{p.id: true}
		for _, it := range res.Items {
			// only co-purchases: category, vendor and best-seller
			// fallbacks are not "bought together"
			if it.Source != recommend.Source(res.Method) || len(rec.Items) == k {
				continue
			}
			id, ok := bySKU[it.SKU]
			if !ok || seen[id] {
				continue
			}
			seen[id] = true
			rec.Items = append(rec.Items, commerce.RecommendedProduct{SKU: it.SKU, ProductID: id, Score: it.Score})
		}
		lk := channel + "\x00" + p.id
		prev, pushed := s.recPush.last[lk]
		h := listHash(rec)
		switch {
		case len(rec.Items) == 0 && !pushed:
			cp.Empty++
			continue
		case pushed && prev == h:
			cp.Unchanged++
			continue
		}
		if len(rec.Items) == 0 {
			cp.Empty++
		}
		// The key names the list and the one it replaces: the same list
		// computed again is a duplicate, while going back to an earlier
		// list (A, B, A) is a new change.
		key := fmt.Sprintf("rec:%s:%s:%s:%s", channel, p.id, h, prev)
		_, dup, err := s.writer.EnqueueWriteback(ctx, channel, sdk.ActionSetRecommendations, key, rec)
		if err != nil {
			return cp, fmt.Errorf("planning: push recommendations of %s to %s: %w", p.id, channel, err)
		}
		s.recPush.last[lk] = h
		if dup {
			cp.Unchanged++
		} else {
			cp.Queued++
		}
	}
	return cp, nil
}

// listHash identifies what a channel shows: the intent and the ordered
// product ids (scores change with every order and are not shown).
func listHash(r *commerce.ProductRecommendations) string {
	sum := sha256.Sum256([]byte(string(r.Intent) + "\x00" + strings.Join(r.ProductIDs(), "\x00")))
	return hex.EncodeToString(sum[:8])
}

// channelProducts lists a channel's products that have a SKU, by id, and
// the product of each SKU (the first by id when several share one).
func (s *Service) channelProducts(ctx context.Context, channel string) ([]channelProduct, map[string]string, error) {
	var out []channelProduct
	for sr, err := range records(ctx, s.store, store.Query{Kind: commerce.KindProduct, Connection: channel}) {
		if err != nil {
			return nil, nil, err
		}
		rec, err := sr.Decode()
		if err != nil {
			return nil, nil, err
		}
		p := rec.(*commerce.Product)
		if p.Deleted || p.Source.Connection != channel {
			continue
		}
		cp := channelProduct{id: p.Source.ExternalID}
		for _, v := range p.Variants {
			if v.SKU != "" && !slices.Contains(cp.skus, v.SKU) {
				cp.skus = append(cp.skus, v.SKU)
			}
		}
		if len(cp.skus) > 0 {
			out = append(out, cp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	bySKU := map[string]string{}
	for _, p := range out {
		for _, sku := range p.skus {
			if _, ok := bySKU[sku]; !ok {
				bySKU[sku] = p.id
			}
		}
	}
	return out, bySKU, nil
}

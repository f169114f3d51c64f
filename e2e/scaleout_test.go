package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/shopify/shopifytest"
	"github.com/supplyhub/supplyhub/core/store/storetest"
)

var processedRE = regexp.MustCompile(`supplyhub_inbox_events_total\{outcome="processed"\} (\d+)`)

func processedBy(t *testing.T, addr string) int {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := processedRE.FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestScaleOutSharesWorkAndSurvivesAKill runs three gateway instances on
// the machine's PostgreSQL and NATS, spreads a burst of signed webhooks
// over them, kills one mid-burst, and checks that every acknowledged
// delivery was processed exactly once.
func TestScaleOutSharesWorkAndSurvivesAKill(t *testing.T) {
	natsURL := os.Getenv("SUPPLYHUB_TEST_NATS_URL")
	pgURL := storetest.PostgresURL(t)
	if pgURL == "" || natsURL == "" {
		t.Skip("scale-out needs SUPPLYHUB_TEST_POSTGRES_URL and SUPPLYHUB_TEST_NATS_URL (.ci/run sets both)")
	}
	bin, plugins := gatewayBuild(t)
	fake, err := shopifytest.NewServer(shopifytest.Options{Token: "shpat_e2e", ClientSecret: "e2e-secret", Orders: 900, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	key := make([]byte, 32)
	rand.Read(key) //nolint:errcheck
	id := fmt.Sprintf("e2e%d", time.Now().UnixNano())
	env := []string{
		"SUPPLYHUB_STORE_DRIVER=postgres", "SUPPLYHUB_STORE_URL=" + pgURL,
		"SUPPLYHUB_BUS_DRIVER=nats", "SUPPLYHUB_BUS_URL=" + natsURL, "SUPPLYHUB_BUS_STREAM=" + id, "SUPPLYHUB_BUS_SUBJECT=" + id,
		"SUPPLYHUB_SECRET_KEY=" + base64.StdEncoding.EncodeToString(key),
		"SUPPLYHUB_INGRESS_LEASE=3s",
	}
	var gws []*gateway
	for i := range 3 {
		gws = append(gws, startGateway(t, bin, plugins, t.TempDir(), freeAddr(t), env...))
		if i == 0 {
			// Let the first create the schema and the bootstrap token alone.
			gws[0].bootstrapToken()
		}
	}
	token := gws[0].bootstrapToken()
	createShopifyConnection(t, gws[1].addr, token, fake) // any instance serves the API
	ds := shopifyDeliveries(t, fake, 900)

	var acked sync.Map
	var nAcked, nFailed atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ds) {
					return
				}
				addr := gws[(i+w)%3].addr
				code, err := ds[i].post(addr)
				if err == nil && code == 200 {
					acked.Store(ds[i].id(), ds[i])
					nAcked.Add(1)
				} else {
					nFailed.Add(1)
				}
			}
		}()
	}
	for nAcked.Load() < 300 {
		time.Sleep(time.Millisecond)
	}
	victim := gws[2]
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	victim.cmd.Wait() //nolint:errcheck
	t.Logf("%d deliveries acknowledged, %d refused or cut by the kill", nAcked.Load(), nFailed.Load())
	if nFailed.Load() == 0 {
		t.Fatal("the kill came after the burst; the test proved nothing")
	}
	evs := waitSettled(t, gws[0].addr, token, int(nAcked.Load()), 3*time.Minute)
	seen := map[string]int{}
	for _, e := range evs {
		seen[e.DedupeKey]++
		if e.Status != "processed" {
			t.Errorf("event %s ended %s: %s", e.ID, e.Status, e.LastError)
		}
	}
	lost, twice := 0, 0
	acked.Range(func(k, _ any) bool {
		switch seen[k.(string)] {
		case 0:
			lost++
		case 1:
		default:
			twice++
		}
		return true
	})
	if lost > 0 || twice > 0 {
		t.Fatalf("%d acknowledged deliveries lost, %d stored twice", lost, twice)
	}
	// The surviving instances shared the processing.
	a, b := processedBy(t, gws[0].addr), processedBy(t, gws[1].addr)
	t.Logf("processed by instance 1: %d, instance 2: %d (instance 3 was killed)", a, b)
	if a+b == 0 {
		t.Fatal("no surviving instance reports processing")
	}
	// Orders are stored once each.
	var orders struct {
		Items      []map[string]any `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
	count := 0
	path := "/v1/orders?connection=shop&limit=1000"
	for {
		apiCall(t, gws[1].addr, token, "GET", path, nil, &orders)
		count += len(orders.Items)
		if orders.NextCursor == nil {
			break
		}
		path = "/v1/orders?connection=shop&limit=1000&cursor=" + *orders.NextCursor
	}
	if count != len(evs) {
		t.Fatalf("%d orders stored for %d distinct deliveries of distinct orders", count, len(evs))
	}
}

package e2e

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/supplyhub/supplyhub/connectors/carrier"
	"github.com/supplyhub/supplyhub/connectors/carrier/carriertest"
	"github.com/supplyhub/supplyhub/core/host"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// TestCarrierWebhooksThroughGateway points EasyPost and Shippo tracking
// webhooks at one carrier connection of a running gateway with the carrier
// plugin as a process: the manifest's two schemes cross the plugin
// protocol, Shippo's ?token= deliveries are accepted and processed into
// shipments, wrong or missing tokens get 401, and the token shows up in
// neither the API nor the gateway's debug log.
func TestCarrierWebhooksThroughGateway(t *testing.T) {
	bin, _ := gatewayBuild(t)
	plugins := t.TempDir()
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", filepath.Join(plugins, host.BinaryPrefix+"carrier"), "./plugins/carrier")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./plugins/carrier: %v\n%s", err, out)
	}
	if _, err := host.Lock(plugins, filepath.Join(plugins, host.LockFileName)); err != nil {
		t.Fatal(err)
	}
	ship := carriertest.NewServer()
	defer ship.Close()
	addr := freeAddr(t)
	g := startGateway(t, bin, plugins, t.TempDir(), addr, "SUPPLYHUB_LOG_LEVEL=debug")
	admin := g.bootstrapToken()

	const (
		shippoToken = "shp-e2e-Zr4w9tQ2kLx8"
		hmacSecret  = "whsec-e2e"
	)
	cfg := map[string]any{
		"easypost": map[string]any{"base_url": ship.URL + "/v2"}, "easypost_api_key": carriertest.EasyPostKey,
		"shippo": map[string]any{"base_url": ship.URL}, "shippo_api_key": carriertest.ShippoToken,
		"webhook_secret": hmacSecret, "shippo_webhook_token": shippoToken,
	}
	var created map[string]any
	if code := apiCall(t, addr, admin, "POST", "/v1/connections", map[string]any{"id": "ship", "connector": "carrier", "name": "Carriers", "config": cfg}, &created); code != 201 {
		t.Fatalf("create connection: %d %v", code, created)
	}
	// The parcels exist at the fake once tracked through each account.
	ctx := context.Background()
	c := carrier.New()
	for _, acct := range []string{"easypost", "shippo"} {
		tc := map[string]any{"tracking": acct}
		for k, v := range cfg {
			tc[k] = v
		}
		number := map[string]string{"easypost": "EZ4000000004", "shippo": "SHIPPO_DELIVERED"}[acct]
		if _, err := c.Track(ctx, sdk.TrackRequest{Config: logisticsJSON(tc), Carrier: "USPS", TrackingNumber: number}); err != nil {
			t.Fatalf("track %s: %v", number, err)
		}
	}

	hook := "http://" + addr + "/webhooks/ship"
	for _, r := range []struct {
		name  string
		token string
		want  int
	}{
		{"shippo without a token", "", http.StatusUnauthorized},
		{"shippo with another token", shippoToken + "-x", http.StatusUnauthorized},
		{"shippo with the EasyPost secret", hmacSecret, http.StatusUnauthorized},
		{"shippo with the token", shippoToken, http.StatusOK},
	} {
		if status, err := ship.SendShippoWebhook(ctx, hook, r.token, "usps", "SHIPPO_DELIVERED"); err != nil || status != r.want {
			t.Fatalf("%s: %d %v, want %d", r.name, status, err, r.want)
		}
	}
	if status, err := ship.SendEasyPostWebhook(ctx, hook, hmacSecret, "EZ4000000004"); err != nil || status != http.StatusOK {
		t.Fatalf("easypost: %d %v", status, err)
	}
	if status, err := ship.SendEasyPostWebhook(ctx, hook, "wrong", "EZ4000000004"); err != nil || status != http.StatusUnauthorized {
		t.Fatalf("easypost with another secret: %d %v", status, err)
	}

	deadline := time.Now().Add(20 * time.Second)
	var events []inboxEvent
	for time.Now().Before(deadline) {
		events = allInboxEvents(t, addr, admin, "ship")
		done := len(events) == 2
		for _, e := range events {
			done = done && e.Status == "processed"
		}
		if done {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(events) != 2 || events[0].Status != "processed" || events[1].Status != "processed" {
		t.Fatalf("inbox of ship: %+v, want the Shippo and the EasyPost delivery processed", events)
	}
	var shipments struct {
		Items []struct {
			TrackingNumbers []string `json:"tracking_numbers"`
			Status          string   `json:"status"`
		} `json:"items"`
	}
	if code := apiCall(t, addr, admin, "GET", "/v1/shipments?limit=100", nil, &shipments); code != 200 {
		t.Fatalf("list shipments: %d", code)
	}
	seen := map[string]string{}
	for _, s := range shipments.Items {
		for _, n := range s.TrackingNumbers {
			seen[n] = s.Status
		}
	}
	if want := string(commerce.TrackingDelivered); seen["SHIPPO_DELIVERED"] != want || seen["EZ4000000004"] != want {
		t.Fatalf("shipments from the webhooks: %v", seen)
	}

	var texts []string
	for _, e := range events {
		var detail map[string]any
		apiCall(t, addr, admin, "GET", "/v1/webhooks/events/"+e.ID, nil, &detail)
		texts = append(texts, logisticsString(detail))
	}
	var conn map[string]any
	apiCall(t, addr, admin, "GET", "/v1/connections/ship", nil, &conn)
	texts = append(texts, logisticsString(conn))
	logs := g.stderr.String()
	if !strings.Contains(logs, "/webhooks/ship") {
		t.Fatalf("the debug log shows no webhook request; is the access log on?\n%s", logs)
	}
	texts = append(texts, logs)
	for i, s := range texts {
		if strings.Contains(s, shippoToken) {
			t.Errorf("text %d (inbox events, connection, log) holds the Shippo token:\n%s", i, s)
		}
	}
}

func logisticsString(v any) string { return string(logisticsJSON(v)) }

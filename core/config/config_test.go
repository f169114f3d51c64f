package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.Store.Driver != "sqlite" || c.Bus.Driver != "embedded" {
		t.Fatalf("defaults %+v", c)
	}
	if c.KeyFile() != "data/secret.key" {
		t.Fatalf("key file %s", c.KeyFile())
	}
}

func TestFileThenEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supplyhub.yaml")
	os.WriteFile(path, []byte(`
addr: 0.0.0.0:9000
data_dir: /var/lib/supplyhub
store:
  driver: postgres
  url: postgres://u:pw@db/supplyhub
bus:
  ack_wait: 45s
http:
  body_limit: 1048576
`), 0o600)
	c, err := Load(path, env(map[string]string{"SUPPLYHUB_ADDR": "127.0.0.1:7000", "SUPPLYHUB_LOG_LEVEL": "debug", "SUPPLYHUB_BUS_MAX_AGE": "48h",
		"SUPPLYHUB_PUBLIC_URL": "https://gateway.example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Fatalf("env should override the file: %s", c.Addr)
	}
	if c.DataDir != "/var/lib/supplyhub" || c.Store.Driver != "postgres" || c.HTTP.BodyLimit != 1<<20 || c.Log.Level != "debug" {
		t.Fatalf("loaded %+v", c)
	}
	if c.Bus.AckWait != 45*time.Second || c.Bus.MaxAge != 48*time.Hour {
		t.Fatalf("durations: ack %v, max age %v", c.Bus.AckWait, c.Bus.MaxAge)
	}
	out, err := Print(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "pw@db") || !strings.Contains(string(out), "<redacted>") {
		t.Fatalf("secret not redacted:\n%s", out)
	}
	if c.Webhooks.PublicURL != "https://gateway.example.com" || !strings.Contains(string(out), "public_url: https://gateway.example.com") {
		t.Fatalf("public URL %q not loaded or not printed:\n%s", c.Webhooks.PublicURL, out)
	}
	if !strings.Contains(string(out), "addr: 127.0.0.1:7000") {
		t.Fatalf("print lost a setting:\n%s", out)
	}
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, file string
		env        map[string]string
		want       string
	}{
		{"unknown key", "adress: x\n", nil, "adress"},
		{"bad yaml", "addr: [\n", nil, "supplyhub.yaml"},
		{"bad addr", "", map[string]string{"SUPPLYHUB_ADDR": "8080"}, "host:port"},
		{"bad driver", "store: {driver: mysql}\n", nil, "sqlite or postgres"},
		{"postgres without url", "store: {driver: postgres}\n", nil, "SUPPLYHUB_STORE_URL"},
		{"nats without url", "", map[string]string{"SUPPLYHUB_BUS_DRIVER": "nats"}, "SUPPLYHUB_BUS_URL"},
		{"bad int", "", map[string]string{"SUPPLYHUB_HTTP_BODY_LIMIT": "4MB"}, "SUPPLYHUB_HTTP_BODY_LIMIT"},
		{"bad duration", "", map[string]string{"SUPPLYHUB_BUS_ACK_WAIT": "30"}, "duration"},
		{"relative public url", "", map[string]string{"SUPPLYHUB_PUBLIC_URL": "gateway.example.com"}, "webhooks.public_url"},
		{"public url with query", "webhooks: {public_url: 'https://gw.example.com/?x=1'}\n", nil, "without query"},
		{"bad level", "log: {level: verbose}\n", nil, "log.level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = filepath.Join(dir, "supplyhub.yaml")
				os.WriteFile(path, []byte(tt.file), 0o600)
			}
			_, err := Load(path, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), env(nil)); err == nil {
		t.Fatal("missing file accepted")
	}
}

// TestSettingsAreDocumented keeps docs/configuration.md complete.
func TestSettingsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings() {
		if !strings.Contains(string(doc), "`"+s[0]+"`") || !strings.Contains(string(doc), "`"+s[1]+"`") {
			t.Errorf("docs/configuration.md does not document %s (%s)", s[0], s[1])
		}
	}
}

func TestDecimalSettings(t *testing.T) {
	c, err := Load("", env(map[string]string{"SUPPLYHUB_PLANNING_HOLDING_RATE": "0.3"}))
	if err != nil || c.Planning.HoldingRate.String() != "0.3" {
		t.Fatalf("holding rate %v, %v", c.Planning.HoldingRate, err)
	}
	if _, err := Load("", env(map[string]string{"SUPPLYHUB_PLANNING_ORDER_COST": "fifty"})); err == nil || !strings.Contains(err.Error(), "decimal") {
		t.Fatalf("bad decimal: %v", err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("planning:\n  order_cost: \"75.50\"\n"), 0o600)
	c, err = Load(path, env(nil))
	if err != nil || c.Planning.OrderCost.String() != "75.5" {
		t.Fatalf("order cost from YAML: %v %v", c.Planning.OrderCost, err)
	}
}

func TestChannelRulesFromYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("planning:\n  channels:\n    - channel: amazon-eu\n      pool: DEFAULT\n      buffer_percent: 10\n      cap: 50\n    - channel: shopify-eu\n      per_location: true\n      locations: [L1]\n      buffer: 2\n"), 0o600)
	c, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Planning.Channels
	if len(ch) != 2 || ch[0].BufferPercent != 10 || ch[0].Cap != 50 || !ch[1].PerLocation || ch[1].Buffer != 2 || ch[1].Locations[0] != "L1" {
		t.Fatalf("channels %+v", ch)
	}
}

func TestRecommendSettings(t *testing.T) {
	c, err := Load("", env(map[string]string{"SUPPLYHUB_RECOMMEND_CHANNELS": "shopify-eu, shopify-us,", "SUPPLYHUB_RECOMMEND_K": "5"}))
	if err != nil || strings.Join(c.Planning.Recommend.Channels, "|") != "shopify-eu|shopify-us" || c.Planning.Recommend.K != 5 {
		t.Fatalf("recommend %+v, %v", c.Planning.Recommend, err)
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("planning:\n  recommend:\n    channels: [\"*\"]\n    method: lift\n"), 0o600)
	if c, err = Load(path, env(nil)); err != nil || len(c.Planning.Recommend.Channels) != 1 || c.Planning.Recommend.Method != "lift" {
		t.Fatalf("recommend from YAML %+v, %v", c.Planning.Recommend, err)
	}
	for _, bad := range []map[string]string{{"SUPPLYHUB_RECOMMEND_K": "51"}, {"SUPPLYHUB_RECOMMEND_METHOD": "user-knn"}} {
		if _, err := Load("", env(bad)); err == nil || !strings.Contains(err.Error(), "recommend.") {
			t.Fatalf("%v: %v", bad, err)
		}
	}
}

package sdk

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

const sharedFixtures = "../../shared/fixtures"

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(sharedFixtures + "/" + path)
	if os.IsNotExist(err) {
		t.Skipf("%s/%s is absent: clone the shared fixtures beside the repository to run this test", sharedFixtures, path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var shopifySpec = WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Shopify-Hmac-Sha256", Encoding: "base64", SecretField: "client_secret"}

// TestVerifyShopifyVectors runs every HMAC vector of the Shopify fixtures.
func TestVerifyShopifyVectors(t *testing.T) {
	t.Parallel()
	var f struct {
		Vectors []struct {
			Name          string `json:"name"`
			Secret        string `json:"secret"`
			BodyBase64    string `json:"body_base64"`
			Header        string `json:"x_shopify_hmac_sha256"`
			ExpectedValid any    `json:"expected_valid"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(readFixture(t, "shopify/hmac-vectors.json"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			body, err := base64.StdEncoding.DecodeString(v.BodyBase64)
			if err != nil {
				t.Fatal(err)
			}
			valid := v.ExpectedValid == true || v.ExpectedValid == "True" || v.ExpectedValid == "true"
			h := http.Header{}
			h.Set("X-Shopify-Hmac-Sha256", v.Header)
			err = shopifySpec.Verify(v.Secret, h, body)
			if valid && err != nil {
				t.Fatalf("valid vector rejected: %v", err)
			}
			if !valid && !errors.Is(err, ErrBadSignature) {
				t.Fatalf("invalid vector: err = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestVerifyEasyPostNFKDHex(t *testing.T) {
	t.Parallel()
	var hdr struct {
		Secret  string            `json:"secret"`
		File    string            `json:"file"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(readFixture(t, "carriers/easypost-webhook-tracker-updated.headers.json"), &hdr); err != nil {
		t.Fatal(err)
	}
	body := readFixture(t, "carriers/"+hdr.File)
	spec := WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Hmac-Signature", Encoding: "hex",
		Prefix: "hmac-sha256-hex=", SecretField: "webhook_secret", SecretNormalization: "NFKD"}
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, v := range hdr.Headers {
		h.Set(k, v)
	}
	if err := spec.Verify(hdr.Secret, h, body); err != nil {
		t.Fatalf("EasyPost fixture rejected: %v", err)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)/2] ^= 1
	if err := spec.Verify(hdr.Secret, h, tampered); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered body: %v", err)
	}
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	body := []byte(`{"id":1}`)
	good := shopifySpec.Sign("s3cret", body)
	tests := []struct {
		name   string
		spec   WebhookSpec
		secret string
		header string
		body   []byte
		want   string
	}{
		{"missing header", shopifySpec, "s3cret", "", body, "missing"},
		{"no secret configured", shopifySpec, "", good, body, "client_secret"},
		{"empty body", shopifySpec, "s3cret", good, nil, "empty"},
		{"wrong prefix", WebhookSpec{Scheme: SchemeHMACSHA256, SignatureHeader: "X-Sig", Encoding: "hex", Prefix: "sha256=", SecretField: "s"}, "s3cret", "sha1=abc", body, "sha256="},
		{"token mismatch", WebhookSpec{Scheme: SchemeToken, SignatureHeader: "X-Sig", SecretField: "s"}, "s3cret", "s3creT", body, "token"},
		{"case changed", shopifySpec, "s3cret", strings.ToLower(good), body, "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set(tt.spec.SignatureHeader, tt.header)
			}
			err := tt.spec.Verify(tt.secret, h, tt.body)
			if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrBadSignature mentioning %q", err, tt.want)
			}
		})
	}
	tok := WebhookSpec{Scheme: SchemeToken, SignatureHeader: "X-Sig", SecretField: "s"}
	h := http.Header{"X-Sig": {"s3cret"}}
	if err := tok.Verify("s3cret", h, nil); err != nil {
		t.Fatalf("token scheme: %v", err)
	}
	hex := WebhookSpec{Scheme: SchemeHMACSHA1, SignatureHeader: "X-Sig", Encoding: "hex", SecretField: "s"}
	h = http.Header{"X-Sig": {strings.ToUpper(hex.Sign("k", body))}}
	if err := hex.Verify("k", h, body); err != nil {
		t.Fatalf("upper-case hex should verify: %v", err)
	}
}

func TestWebhookSpecValidate(t *testing.T) {
	t.Parallel()
	bad := []WebhookSpec{
		{Scheme: "md5", SignatureHeader: "X", SecretField: "s"},
		{Scheme: SchemeHMACSHA256, SignatureHeader: "X", Encoding: "base32", SecretField: "s"},
		{Scheme: SchemeHMACSHA256, Encoding: "hex", SecretField: "s"},
		{Scheme: SchemeHMACSHA256, SignatureHeader: "X", Encoding: "hex"},
		{Scheme: SchemeToken, SignatureHeader: "X", SecretField: "s", SecretNormalization: "NFC"},
	}
	for i, s := range bad {
		if err := s.Validate(); err == nil {
			t.Errorf("spec %d %+v should be invalid", i, s)
		}
	}
	if err := shopifySpec.Validate(); err != nil {
		t.Fatal(err)
	}
	tok := func(header, param, secret string) WebhookSpec {
		return WebhookSpec{Scheme: SchemeToken, SignatureHeader: header, QueryParam: param, SecretField: secret}
	}
	withAlt := func(alts ...WebhookSpec) WebhookSpec {
		s := shopifySpec
		s.Alternatives = alts
		return s
	}
	tests := []struct {
		name string
		spec WebhookSpec
		want string // "" = valid
	}{
		{"query token", tok("", "token", "s"), ""},
		{"header and query token", tok("X-Token", "token", "s"), "not both"},
		{"token nowhere", tok("", "", "s"), "signature_header or query_param is required"},
		{"hmac in the query", WebhookSpec{Scheme: SchemeHMACSHA256, Encoding: "hex", QueryParam: "sig", SecretField: "s"}, "query_param is only for the token scheme"},
		{"alternatives", withAlt(tok("", "token", "t"), tok("X-Relay", "", "r")), ""},
		{"bad alternative", withAlt(tok("", "token", "")), "alternatives[0]: secret_field is required"},
		{"nested alternatives", withAlt(WebhookSpec{Scheme: SchemeToken, QueryParam: "token", SecretField: "t", Alternatives: []WebhookSpec{tok("X", "", "u")}}), "alternatives of its own"},
		{"same header as the top level", withAlt(tok("x-shopify-hmac-sha256", "", "t")), "like the top-level spec"},
		{"same query param twice", withAlt(tok("", "token", "t"), tok("", "token", "u")), "alternatives[1] reads ?token= like alternatives[0]"},
		{"header and query of one name differ", withAlt(tok("Token", "", "t"), tok("", "Token", "u")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("secret", "sig", []byte(`{"a":1}`))
	f.Add("", "", []byte{})
	f.Fuzz(func(t *testing.T, secret, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-Shopify-Hmac-Sha256", sig)
		err := shopifySpec.Verify(secret, h, body)
		if err == nil && sig != shopifySpec.Sign(secret, body) {
			t.Fatalf("accepted a signature that is not the HMAC")
		}
		if secret != "" && len(body) > 0 {
			h.Set("X-Shopify-Hmac-Sha256", shopifySpec.Sign(secret, body))
			if err := shopifySpec.Verify(secret, h, body); err != nil {
				t.Fatalf("rejected its own signature: %v", err)
			}
		}
	})
}

// carrierSpec is the shape of connectors/carrier's manifest: EasyPost's
// HMAC header, or Shippo's token in the webhook URL's query.
var carrierSpec = WebhookSpec{
	Scheme: SchemeHMACSHA256, SignatureHeader: "X-Hmac-Signature", Encoding: "hex", Prefix: "hmac-sha256-hex=",
	SecretField: "webhook_secret", SecretNormalization: "NFKD", Name: "EasyPost",
	Alternatives: []WebhookSpec{{Scheme: SchemeToken, QueryParam: "token", SecretField: "shippo_webhook_token", Name: "Shippo"}},
}

func TestVerifyRequestAlternatives(t *testing.T) {
	t.Parallel()
	if err := carrierSpec.Validate(); err != nil {
		t.Fatal(err)
	}
	var hdr struct {
		Secret  string            `json:"secret"`
		File    string            `json:"file"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(readFixture(t, "carriers/easypost-webhook-tracker-updated.headers.json"), &hdr); err != nil {
		t.Fatal(err)
	}
	epBody := readFixture(t, "carriers/"+hdr.File)
	epSig := hdr.Headers["X-Hmac-Signature"]
	shBody := readFixture(t, "carriers/shippo-webhook-track-updated.json")
	secrets := map[string]string{"webhook_secret": hdr.Secret, "shippo_webhook_token": "tok-3f9a"}
	relay := WebhookSpec{Scheme: SchemeToken, SignatureHeader: "X-Relay-Token", SecretField: "relay_secret"}
	tests := []struct {
		name    string
		spec    WebhookSpec
		secrets map[string]string
		header  map[string]string
		query   string
		body    []byte
		want    string // scheme name that verified, or "" when refused
		errHas  string
	}{
		{name: "easypost hmac", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": epSig}, body: epBody, want: "EasyPost"},
		{name: "shippo token in query", spec: carrierSpec, secrets: secrets, query: "token=tok-3f9a", body: shBody, want: "Shippo"},
		{name: "shippo token beside other params", spec: carrierSpec, secrets: secrets, query: "a=1&token=tok-3f9a&b=2", body: shBody, want: "Shippo"},
		{name: "wrong hmac", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": "hmac-sha256-hex=" + strings.Repeat("0", 64)}, body: epBody, errHas: "does not match the body"},
		{name: "hmac of another body", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": epSig}, body: shBody, errHas: "does not match the body"},
		{name: "wrong token", spec: carrierSpec, secrets: secrets, query: "token=tok-3f9b", body: shBody, errHas: "token in ?token= does not match"},
		{name: "token prefix only", spec: carrierSpec, secrets: secrets, query: "token=tok", body: shBody, errHas: "does not match"},
		{name: "token twice", spec: carrierSpec, secrets: secrets, query: "token=tok-3f9a&token=tok-3f9a", body: shBody, errHas: "given 2 times"},
		{name: "missing both", spec: carrierSpec, secrets: secrets, body: shBody,
			errHas: "missing signature: expected X-Hmac-Signature (EasyPost) or ?token= (Shippo)"},
		{name: "empty token is missing", spec: carrierSpec, secrets: secrets, query: "token=", body: shBody, errHas: "missing signature"},
		{name: "token in a header instead of the query", spec: carrierSpec, secrets: secrets, header: map[string]string{"Token": "tok-3f9a"}, body: shBody, errHas: "missing signature"},
		{name: "token in the hmac header", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": "tok-3f9a"}, body: shBody, errHas: "does not start with"},
		{name: "shippo token not configured", spec: carrierSpec, secrets: map[string]string{"webhook_secret": hdr.Secret}, query: "token=", body: shBody, errHas: "missing signature"},
		{name: "shippo token not configured, delivery guesses empty", spec: carrierSpec, secrets: map[string]string{"webhook_secret": hdr.Secret, "shippo_webhook_token": ""}, query: "token=x", body: shBody, errHas: "no shippo_webhook_token configured"},
		{name: "easypost secret not configured", spec: carrierSpec, secrets: map[string]string{"shippo_webhook_token": "tok-3f9a"}, header: map[string]string{"X-Hmac-Signature": epSig}, body: epBody, errHas: "no webhook_secret configured"},
		{name: "first present scheme wins, no fallback", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": "hmac-sha256-hex=00"}, query: "token=tok-3f9a", body: shBody, errHas: "X-Hmac-Signature does not match"},
		{name: "both present and valid", spec: carrierSpec, secrets: secrets, header: map[string]string{"X-Hmac-Signature": epSig}, query: "token=tok-3f9a", body: epBody, want: "EasyPost"},
		{name: "secrets are not shared between schemes", spec: carrierSpec, secrets: map[string]string{"webhook_secret": "tok-3f9a", "shippo_webhook_token": "other"}, query: "token=tok-3f9a", body: shBody, errHas: "does not match"},
		{name: "single spec keeps its messages", spec: relay, secrets: map[string]string{"relay_secret": "r"}, body: shBody, errHas: "header X-Relay-Token is missing"},
		{name: "single header token", spec: relay, secrets: map[string]string{"relay_secret": "r"}, header: map[string]string{"X-Relay-Token": "r"}, want: ""},
		{name: "single header token ignores query", spec: relay, secrets: map[string]string{"relay_secret": "r"}, query: "token=r", errHas: "missing"},
		{name: "query-only spec", spec: WebhookSpec{Scheme: SchemeToken, QueryParam: "key", SecretField: "k"}, secrets: map[string]string{"k": "v"}, query: "key=v", want: ""},
		{name: "query-only spec, token in header", spec: WebhookSpec{Scheme: SchemeToken, QueryParam: "key", SecretField: "k"}, secrets: map[string]string{"k": "v"}, header: map[string]string{"Key": "v"}, errHas: "query parameter key is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.spec.VerifyRequest(tt.secrets, h, q, tt.body)
			if tt.errHas != "" {
				if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want ErrBadSignature containing %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if got == nil || got.Name != tt.want {
				t.Fatalf("verified by %+v, want the %q scheme", got, tt.want)
			}
		})
	}
}

func TestVerifyIgnoresQueryAndAlternatives(t *testing.T) {
	t.Parallel()
	shippo := carrierSpec.Alternatives[0]
	// Verify sees headers only: a query-parameter token is never found there.
	h := http.Header{"Token": {"tok"}}
	if err := shippo.Verify("tok", h, []byte(`{}`)); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "query parameter token is missing") {
		t.Fatalf("Verify of a query token spec: %v", err)
	}
	// Verify checks the top-level scheme alone.
	if err := carrierSpec.Verify("tok", http.Header{}, []byte(`{}`)); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "X-Hmac-Signature is missing") {
		t.Fatalf("Verify with alternatives: %v", err)
	}
	if got := carrierSpec.SecretFields(); !slices.Equal(got, []string{"webhook_secret", "shippo_webhook_token"}) {
		t.Fatalf("SecretFields = %v", got)
	}
	if got := len(carrierSpec.Schemes()); got != 2 {
		t.Fatalf("Schemes: %d", got)
	}
}

func FuzzVerifyRequest(f *testing.F) {
	f.Add("whsec", "tok", "hmac-sha256-hex=00", "token=tok", []byte(`{"a":1}`))
	f.Add("", "", "", "", []byte{})
	f.Add("s", "", "", "token=&token=", []byte("x"))
	f.Fuzz(func(t *testing.T, hmacSecret, token, sig, rawQuery string, body []byte) {
		h := http.Header{}
		h.Set("X-Hmac-Signature", sig)
		q, _ := url.ParseQuery(rawQuery)
		secrets := map[string]string{"webhook_secret": hmacSecret, "shippo_webhook_token": token}
		got, err := carrierSpec.VerifyRequest(secrets, h, q, body)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("error without ErrBadSignature: %v", err)
			}
			return
		}
		switch got.Name {
		case "EasyPost":
			if sig == "" || hmacSecret == "" || strings.ToLower(strings.TrimPrefix(sig, carrierSpec.Prefix)) != carrierSpec.Sign(hmacSecret, body) {
				t.Fatalf("accepted %q, which is not the HMAC", sig)
			}
		case "Shippo":
			if sig != "" || token == "" || len(q["token"]) != 1 || q.Get("token") != token {
				t.Fatalf("accepted query %q for token %q with header %q", rawQuery, token, sig)
			}
		default:
			t.Fatalf("verified by %+v", got)
		}
	})
}

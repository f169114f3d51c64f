package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/httpclient"
)

// tokenEarly is how long before its expiry an access token is replaced.
const tokenEarly = 60 * time.Second

// tokenSource exchanges the seller's refresh token for access tokens with
// Login with Amazon and caches each until shortly before it expires. One
// source serves every connection with the same app and refresh token;
// concurrent callers share one exchange.
type tokenSource struct {
	endpoint     string
	clientID     string
	clientSecret string
	refreshToken string
	// scope, when set, makes the source ask for grantless tokens: the
	// client_credentials grant with this scope instead of the refresh
	// token (e.g. sellingpartnerapi::notifications).
	scope   string
	hc      *httpclient.Client
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	retries int

	mu      sync.Mutex
	token   string
	expires time.Time
	// exchanges counts token exchanges, for tests.
	exchanges int
}

// lwaAnswer is the token endpoint's JSON answer, success or error.
type lwaAnswer struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// get returns a valid access token, exchanging the refresh token when the
// cached one is missing or about to expire.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Before(s.expires.Add(-tokenEarly)) {
		return s.token, nil
	}
	tok, ttl, err := s.exchange(ctx)
	if err != nil {
		return "", err
	}
	s.token, s.expires = tok, s.now().Add(ttl)
	s.exchanges++
	return tok, nil
}

// invalidate drops tok from the cache (Amazon said it expired), so that
// the next get exchanges the refresh token again. A newer token another
// caller already fetched is kept.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token == tok {
		s.token = ""
	}
}

// exchange posts the refresh-token grant (the client_credentials grant
// with the scope for a grantless source), retrying network failures and
// 5xx with backoff. invalid_grant and invalid_client are authentication
// errors: retrying cannot help until the configuration changes.
func (s *tokenSource) exchange(ctx context.Context) (string, time.Duration, error) {
	vals := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {s.refreshToken},
		"client_id":     {s.clientID},
		"client_secret": {s.clientSecret},
	}
	if s.scope != "" {
		vals.Del("refresh_token")
		vals.Set("grant_type", "client_credentials")
		vals.Set("scope", s.scope)
	}
	form := vals.Encode()
	var last error
	for attempt := 1; ; attempt++ {
		tok, ttl, retry, err := s.once(ctx, form)
		if err == nil {
			return tok, ttl, nil
		}
		if ctx.Err() != nil {
			return "", 0, fmt.Errorf("amazon: login with amazon: %w", ctx.Err())
		}
		if !retry {
			return "", 0, err
		}
		last = err
		if attempt > s.retries {
			return "", 0, sdk.Retryable(last, "amazon: login with amazon: gave up after %d attempts", attempt).
				WithDetail("Login with Amazon kept failing; the host will retry later")
		}
		d := min(250*time.Millisecond<<min(attempt-1, 6), 15*time.Second)
		if err := s.sleep(ctx, d); err != nil {
			return "", 0, fmt.Errorf("amazon: login with amazon: %w", err)
		}
	}
}

func (s *tokenSource) once(ctx context.Context, form string) (string, time.Duration, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(form))
	if err != nil {
		return "", 0, false, sdk.InvalidInput("amazon: login with amazon: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	req.Header.Set("Accept", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return "", 0, true, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, true, fmt.Errorf("amazon: login with amazon: read answer: %w", err)
	}
	var a lwaAnswer
	jerr := json.Unmarshal(raw, &a)
	switch code := resp.StatusCode; {
	case code == http.StatusOK && jerr == nil && a.AccessToken != "":
		if a.ExpiresIn <= 0 {
			a.ExpiresIn = 3600
		}
		return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, false, nil
	case code == http.StatusOK:
		return "", 0, true, fmt.Errorf("amazon: login with amazon: answer without an access token (%d bytes)", len(raw))
	case code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout:
		return "", 0, true, fmt.Errorf("amazon: login with amazon: %s", resp.Status)
	}
	switch a.Error {
	case "invalid_grant":
		return "", 0, false, sdk.Authentication("amazon: login with amazon: invalid_grant: %s", a.ErrorDescription).
			WithDetail("the refresh token was revoked, expired or belongs to another app: ask the seller to authorise the app again and update refresh_token")
	case "invalid_scope":
		return "", 0, false, sdk.Authentication("amazon: login with amazon: invalid_scope: %s", a.ErrorDescription).
			WithDetail("Login with Amazon refused the grantless scope %q for this app: only seller (not vendor) apps may call grantless operations", s.scope)
	case "invalid_client", "unauthorized_client":
		return "", 0, false, sdk.Authentication("amazon: login with amazon: %s: %s", a.Error, a.ErrorDescription).
			WithDetail("lwa_client_id or lwa_client_secret is wrong (Amazon rotates the secret every 180 days): copy both from Developer Central")
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return "", 0, false, sdk.Authentication("amazon: login with amazon: %s: %s", resp.Status, snippet(raw)).
			WithDetail("check lwa_client_id, lwa_client_secret and refresh_token")
	}
	return "", 0, false, sdk.Permanent(errors.New(resp.Status), "amazon: login with amazon: %s", snippet(raw)).
		WithDetail("Login with Amazon refused the exchange; check lwa_endpoint and the credentials")
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

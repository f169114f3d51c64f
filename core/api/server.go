package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/supplyhub/supplyhub/core/store"
)

// Config configures the server.
type Config struct {
	// BodyLimit is the largest request body in bytes.
	BodyLimit int64
	// Version is reported by /healthz.
	Version string
}

// Server is the HTTP API.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    store.Store
	engine   *gin.Engine
	registry *prometheus.Registry

	routes  []Route
	schemas map[string]any

	readyMu sync.Mutex
	ready   map[string]func(context.Context) error

	touchMu sync.Mutex
	touched map[string]time.Time

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func init() { gin.SetMode(gin.ReleaseMode) }

// New returns a server with the health, metrics, OpenAPI, token and record
// routes registered. Other packages add theirs with Add.
func New(cfg Config, st store.Store, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = 4 << 20
	}
	s := &Server{
		cfg: cfg, log: logger, store: st, engine: gin.New(), registry: prometheus.NewRegistry(),
		schemas: map[string]any{}, ready: map[string]func(context.Context) error{}, touched: map[string]time.Time{},
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "supplyhub_http_requests_total", Help: "HTTP requests by method, route and status.",
	}, []string{"method", "route", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "supplyhub_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	s.registry.MustRegister(s.requests, s.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.engine.HandleMethodNotAllowed = true
	s.engine.Use(s.requestID, s.recover, s.accessLog, s.limitBody)
	s.engine.NoRoute(func(c *gin.Context) {
		Fail(c, NotFound("no route %s %s; see /openapi.json", c.Request.Method, c.Request.URL.Path))
	})
	s.engine.NoMethod(func(c *gin.Context) {
		Fail(c, Errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	s.AddReadiness("store", st.Ping)
	s.Add(s.systemRoutes()...)
	s.Add(s.tokenRoutes()...)
	s.Add(s.recordRoutes()...)
	return s
}

// Registry is the Prometheus registry served at /metrics; other packages
// register their collectors on it.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Engine returns the gin engine, for routes that are not part of the API
// document (the dashboard's static files).
func (s *Server) Engine() *gin.Engine { return s.engine }

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// Add registers routes on gin and in the OpenAPI document.
func (s *Server) Add(routes ...Route) {
	for _, r := range routes {
		if r.Handler == nil || r.Method == "" || r.Path == "" {
			panic(fmt.Sprintf("api: route %s %s is incomplete", r.Method, r.Path))
		}
		handlers := []gin.HandlerFunc{s.authenticate(r)}
		handlers = append(handlers, r.Handler)
		s.engine.Handle(r.Method, r.Path, handlers...)
		s.routes = append(s.routes, r)
	}
}

// AddSchemas adds component schemas to the OpenAPI document.
func (s *Server) AddSchemas(schemas map[string]any) {
	for k, v := range schemas {
		s.schemas[k] = v
	}
}

// AddReadiness adds a check that /readyz runs.
func (s *Server) AddReadiness(name string, check func(context.Context) error) {
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	s.ready[name] = check
}

func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		rand.Read(b[:]) //nolint:errcheck
		id = hex.EncodeToString(b[:])
	}
	c.Set("request_id", id)
	c.Header("X-Request-Id", id)
	c.Next()
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic in handler", "panic", p, "path", c.Request.URL.Path, "request_id", c.GetString("request_id"))
			Fail(c, fmt.Errorf("panic: %v", p))
		}
	}()
	c.Next()
}

func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	d := time.Since(start)
	s.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(status)).Inc()
	s.latency.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case route == "/healthz" || route == "/readyz" || route == "/metrics" || strings.HasPrefix(route, "/webhooks/"):
		level = slog.LevelDebug
	}
	if !s.log.Enabled(c.Request.Context(), level) {
		return
	}
	// The path only, never the query: a webhook URL may carry the
	// connection's token (?token=, Shippo) and API links ?access_token=.
	attrs := []any{"method", c.Request.Method, "path", c.Request.URL.Path, "route", route, "status", status,
		"duration", d, "bytes", c.Writer.Size(), "request_id", c.GetString("request_id")}
	if tok := c.GetString("token_id"); tok != "" {
		attrs = append(attrs, "token", tok)
	}
	if len(c.Errors) > 0 {
		attrs = append(attrs, "err", c.Errors.String())
	}
	s.log.Log(c.Request.Context(), level, "http request", attrs...)
}

func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.cfg.BodyLimit {
		Fail(c, Errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "request body of %d bytes is over the limit of %d bytes", c.Request.ContentLength, s.cfg.BodyLimit))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.BodyLimit)
	c.Next()
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (s *Server) authenticate(r Route) gin.HandlerFunc {
	return func(c *gin.Context) {
		if r.Scope == ScopeNone {
			c.Next()
			return
		}
		token := ""
		if h := c.GetHeader("Authorization"); h != "" {
			scheme, rest, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				Fail(c, Errorf(http.StatusUnauthorized, "unauthenticated", "Authorization must be \"Bearer <token>\""))
				return
			}
			token = strings.TrimSpace(rest)
		} else if r.QueryToken {
			token = c.Query("access_token")
		}
		if token == "" {
			c.Header("WWW-Authenticate", `Bearer realm="supplyhub"`)
			Fail(c, Errorf(http.StatusUnauthorized, "unauthenticated", "this endpoint needs an API token: send \"Authorization: Bearer <token>\" (create one with supplyhub tokens create --scope %s)", r.Scope))
			return
		}
		t, err := s.store.TokenByHash(c.Request.Context(), HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			c.Header("WWW-Authenticate", `Bearer realm="supplyhub", error="invalid_token"`)
			Fail(c, Errorf(http.StatusUnauthorized, "unauthenticated", "the API token is unknown or revoked"))
			return
		}
		if err != nil {
			Fail(c, err)
			return
		}
		if !allows(t.Scopes, r.Scope) {
			Fail(c, Errorf(http.StatusForbidden, "forbidden", "this endpoint needs scope %s; the token has %s", r.Scope, strings.Join(t.Scopes, ", ")))
			return
		}
		c.Set("token_id", t.ID)
		s.touch(c.Request.Context(), t.ID)
		c.Next()
	}
}

// touch records a token's last use at most once a minute per token, so
// that reads do not turn into writes.
func (s *Server) touch(ctx context.Context, id string) {
	now := time.Now()
	s.touchMu.Lock()
	last, ok := s.touched[id]
	if ok && now.Sub(last) < time.Minute {
		s.touchMu.Unlock()
		return
	}
	s.touched[id] = now
	s.touchMu.Unlock()
	if err := s.store.TouchToken(context.WithoutCancel(ctx), id, now); err != nil {
		s.log.Warn("record token use", "token", id, "err", err)
	}
}

func (s *Server) systemRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/healthz", Tag: "system", Summary: "Liveness: the process is up",
			Response: "Health", Handler: func(c *gin.Context) {
				c.PureJSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
			}},
		{Method: http.MethodGet, Path: "/readyz", Tag: "system", Summary: "Readiness: store, bus and plugins answer",
			Description: "Runs every readiness check with a 5-second deadline; 503 lists the failing ones.",
			Response:    "Readiness", Errors: []int{503}, Handler: s.readyz},
		{Method: http.MethodGet, Path: "/metrics", Tag: "system", Summary: "Prometheus metrics",
			ContentType: "text/plain", Handler: gin.WrapH(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))},
		{Method: http.MethodGet, Path: "/debug/pprof/*profile", Tag: "system", Scope: ScopeAdmin,
			Summary:     "Go runtime profiles (pprof) of this instance",
			Description: "index, cmdline, profile?seconds=N (CPU), trace, heap, goroutine, allocs, block, mutex, threadcreate; for diagnosing a slow or stuck gateway with go tool pprof.",
			ContentType: "application/octet-stream", Handler: pprofHandler},
		{Method: http.MethodGet, Path: "/openapi.json", Tag: "system", Summary: "This API's OpenAPI 3.1 document",
			ContentType: "application/json", Handler: func(c *gin.Context) { c.PureJSON(http.StatusOK, s.OpenAPI()) }},
	}
}

func (s *Server) readyz(c *gin.Context) {
	s.readyMu.Lock()
	names := make([]string, 0, len(s.ready))
	for n := range s.ready {
		names = append(names, n)
	}
	checks := make(map[string]func(context.Context) error, len(s.ready))
	for n, f := range s.ready {
		checks[n] = f
	}
	s.readyMu.Unlock()
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(names))
	for _, n := range names {
		go func() { results <- result{n, checks[n](ctx)} }()
	}
	out := map[string]string{}
	ok := true
	for range names {
		r := <-results
		if r.err != nil {
			ok = false
			out[r.name] = r.err.Error()
		} else {
			out[r.name] = "ok"
		}
	}
	status := http.StatusOK
	state := "ready"
	if !ok {
		status, state = http.StatusServiceUnavailable, "not ready"
	}
	c.PureJSON(status, gin.H{"status": state, "checks": out})
}

// pprofHandler serves net/http/pprof under /debug/pprof/.
func pprofHandler(c *gin.Context) {
	switch name := strings.TrimPrefix(c.Param("profile"), "/"); name {
	case "", "index":
		pprof.Index(c.Writer, c.Request)
	case "cmdline":
		pprof.Cmdline(c.Writer, c.Request)
	case "profile":
		pprof.Profile(c.Writer, c.Request)
	case "symbol":
		pprof.Symbol(c.Writer, c.Request)
	case "trace":
		pprof.Trace(c.Writer, c.Request)
	default:
		pprof.Handler(name).ServeHTTP(c.Writer, c.Request)
	}
}

package api

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/store"
)

// TokenPrefix starts every Supplyhub API token, so that secret scanners can
// recognise a leaked one.
const TokenPrefix = "shk_"

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// IssueToken creates a token with the given scopes and returns the secret,
// which is shown only once; only its hash is stored.
func IssueToken(ctx context.Context, st store.TokenStore, name string, scopes []string) (string, *store.Token, error) {
	if strings.TrimSpace(name) == "" {
		return "", nil, BadRequest("a token needs a name, e.g. ci or dashboard")
	}
	if len(scopes) == 0 {
		return "", nil, BadRequest("a token needs at least one scope: read, ops or admin")
	}
	for _, sc := range scopes {
		if !ValidScope(sc) {
			return "", nil, BadRequest("unknown scope %q: use read, ops or admin", sc)
		}
	}
	var secret, id [20]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", nil, err
	}
	rand.Read(id[:6]) //nolint:errcheck
	plain := TokenPrefix + strings.ToLower(b32.EncodeToString(secret[:]))
	t := &store.Token{ID: "tok_" + strings.ToLower(b32.EncodeToString(id[:6])), Name: name, Hash: HashToken(plain), Scopes: scopes}
	if err := st.CreateToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("api: issue token: %w", err)
	}
	return plain, t, nil
}

func (s *Server) tokenRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/v1/tokens", Tag: "tokens", Scope: ScopeAdmin, Summary: "List API tokens (never their secrets)",
			Response: "TokenList", Handler: func(c *gin.Context) {
				toks, err := s.store.ListTokens(c.Request.Context())
				if err != nil {
					Fail(c, err)
					return
				}
				if toks == nil {
					toks = []store.Token{}
				}
				c.PureJSON(http.StatusOK, gin.H{"items": toks})
			}},
		{Method: http.MethodPost, Path: "/v1/tokens", Tag: "tokens", Scope: ScopeAdmin, Summary: "Create an API token",
			Description: "Returns the token's secret once; store it, it cannot be shown again.",
			Request:     "TokenRequest", Response: "IssuedToken", Status: http.StatusCreated, Errors: []int{400, 413},
			Handler: func(c *gin.Context) {
				var req struct {
					Name   string   `json:"name"`
					Scopes []string `json:"scopes"`
				}
				if err := DecodeJSON(c, &req); err != nil {
					Fail(c, err)
					return
				}
				plain, t, err := IssueToken(c.Request.Context(), s.store, req.Name, req.Scopes)
				if err != nil {
					Fail(c, err)
					return
				}
				c.PureJSON(http.StatusCreated, gin.H{"token": plain, "info": t})
			}},
		{Method: http.MethodDelete, Path: "/v1/tokens/:id", Tag: "tokens", Scope: ScopeAdmin, Summary: "Revoke an API token",
			Status: http.StatusNoContent, Errors: []int{404}, Handler: func(c *gin.Context) {
				err := s.store.RevokeToken(c.Request.Context(), c.Param("id"))
				if errors.Is(err, store.ErrNotFound) {
					Fail(c, NotFound("no active token %q", c.Param("id")))
					return
				}
				if err != nil {
					Fail(c, err)
					return
				}
				c.Status(http.StatusNoContent)
			}},
	}
}

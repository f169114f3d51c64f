package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/host"
)

// pluginsReady fails when a plugin is unhealthy or was refused (a checksum
// mismatch, an incompatible protocol).
func (a *App) pluginsReady(context.Context) error {
	var bad []string
	for _, h := range a.Host.Health() {
		if h.State == host.StateUnhealthy || h.State == host.StateRefused {
			bad = append(bad, fmt.Sprintf("%s %s: %s", h.Name, h.State, h.LastError))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

func (a *App) routes() []api.Route {
	a.API.AddSchemas(map[string]any{"PluginList": api.ListOf(api.SchemaOf(host.Health{}))})
	return []api.Route{
		{Method: http.MethodGet, Path: "/v1/plugins", Tag: "connections", Scope: api.ScopeRead,
			Summary: "List plugin processes with their state, version, restarts and last error", Response: "PluginList",
			Handler: func(c *gin.Context) {
				c.PureJSON(http.StatusOK, gin.H{"items": a.Host.Health()})
			}},
	}
}

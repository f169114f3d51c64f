package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/supplyhub/supplyhub/core/api"
)

// Path is where the dashboard is served.
const Path = "/dashboard/"

//go:embed static
var embedded embed.FS

// Files returns the dashboard's static files, rooted at the site's top
// (index.html, app.js, pages/, vendor/).
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// contentSecurityPolicy allows the site's own scripts, styles and API
// calls only: no inline script, no third-party origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Handler serves the dashboard's files under Path. Paths that name no
// file get index.html, so that a reload on any page works. Every answer
// carries a strict Content-Security-Policy and an ETag; the files are
// revalidated on each load so that an upgraded gateway serves its own.
// The files are read and hashed once; net/http's ServeContent answers
// HEAD, If-None-Match and ranges.
func Handler() http.Handler {
	type file struct {
		body []byte
		etag string
	}
	files := Files()
	site := map[string]file{}
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // embedded files cannot fail to walk
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(files, p)
			sum := sha256.Sum256(b)
			site[p] = file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		}
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the dashboard only answers GET and HEAD", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Path, "/"))), "/")
		if name == "" {
			name = "index.html"
		}
		f, ok := site[name]
		if !ok {
			if path.Ext(name) != "" {
				http.Error(w, "no dashboard file "+name, http.StatusNotFound)
				return
			}
			name, f = "index.html", site["index.html"]
		}
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", f.etag)
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			h.Set("Content-Type", ct)
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}

// Register mounts the dashboard on the API server's engine at Path (and
// redirects /dashboard there). The files are public: they hold no data,
// and every page asks for an API token before it reads the API. Calling
// Register again on the same server does nothing.
func Register(s *api.Server) {
	e := s.Engine()
	for _, r := range e.Routes() {
		if r.Path == Path+"*file" {
			return
		}
	}
	h := gin.WrapH(Handler())
	e.GET(Path+"*file", h)
	e.HEAD(Path+"*file", h)
	e.GET(strings.TrimSuffix(Path, "/"), func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, Path) })
}

package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func serve(t *testing.T, method, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	e := gin.New()
	h := gin.WrapH(Handler())
	e.GET(Path+"*file", h)
	e.HEAD(Path+"*file", h)
	e.POST(Path+"*file", h)
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path string
		status             int
		contentType        string
		contains           string
	}{
		{"index", "GET", "/dashboard/", 200, "text/html", `<script type="module" src="/dashboard/app.js">`},
		{"index by name", "GET", "/dashboard/index.html", 200, "text/html", "Sign in to the dashboard"},
		{"module", "GET", "/dashboard/app.js", 200, "javascript", "export async function api("},
		{"page module", "GET", "/dashboard/pages/inbox.js", 200, "javascript", "/v1/webhooks/events"},
		{"stylesheet", "GET", "/dashboard/style.css", 200, "text/css", "--accent"},
		{"vendored chart", "GET", "/dashboard/vendor/uPlot.esm.js", 200, "javascript", "export { uPlot as default }"},
		{"a route without extension gets the app", "GET", "/dashboard/inbox", 200, "text/html", "<main"},
		{"a missing file is 404", "GET", "/dashboard/pages/nope.js", 404, "", "no dashboard file pages/nope.js"},
		{"no escape from the site", "GET", "/dashboard/../dashboard.go", 404, "", ""},
		{"head", "HEAD", "/dashboard/app.js", 200, "javascript", ""},
		{"post refused", "POST", "/dashboard/app.js", 405, "", "only answers GET and HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, tc.method, tc.path, nil)
			if rec.Code != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", tc.method, tc.path, rec.Code, tc.status, rec.Body.String())
			}
			if tc.contentType != "" && !strings.Contains(rec.Header().Get("Content-Type"), tc.contentType) {
				t.Fatalf("content type %q, want %s", rec.Header().Get("Content-Type"), tc.contentType)
			}
			if tc.contains != "" && !strings.Contains(rec.Body.String(), tc.contains) {
				t.Fatalf("body lacks %q", tc.contains)
			}
			if tc.status == 200 {
				csp := rec.Header().Get("Content-Security-Policy")
				if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
					t.Fatalf("CSP %q", csp)
				}
				if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("ETag") == "" {
					t.Fatalf("headers %v", rec.Header())
				}
			}
			if tc.method == "HEAD" && rec.Body.Len() != 0 {
				t.Fatal("HEAD answered a body")
			}
		})
	}
}

func TestHandlerRevalidates(t *testing.T) {
	t.Parallel()
	first := serve(t, "GET", "/dashboard/app.js", nil)
	etag := first.Header().Get("ETag")
	if first.Header().Get("Cache-Control") != "no-cache" || etag == "" {
		t.Fatalf("cache headers %v", first.Header())
	}
	again := serve(t, "GET", "/dashboard/app.js", map[string]string{"If-None-Match": etag})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Fatalf("revalidation: %d with %d bytes", again.Code, again.Body.Len())
	}
	listed := serve(t, "GET", "/dashboard/app.js", map[string]string{"If-None-Match": `"stale", ` + etag})
	if listed.Code != http.StatusNotModified {
		t.Fatalf("revalidation with a list of ETags: %d", listed.Code)
	}
	other := serve(t, "GET", "/dashboard/style.css", map[string]string{"If-None-Match": etag})
	if other.Code != 200 {
		t.Fatalf("another file's ETag matched: %d", other.Code)
	}
}

// TestSiteIsComplete checks the references between the site's files: every
// page the router knows has a module, every module and asset the pages
// import or link exists, and no file uses inline script or style (the
// Content-Security-Policy would block them).
func TestSiteIsComplete(t *testing.T) {
	t.Parallel()
	files := Files()
	read := func(p string) string {
		b, err := fs.ReadFile(files, p)
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		return string(b)
	}
	app := read("app.js")
	m := regexp.MustCompile(`const PAGES = \[([^\]]+)\]`).FindStringSubmatch(app)
	if m == nil {
		t.Fatal("app.js has no PAGES list")
	}
	pages := regexp.MustCompile(`'([a-z]+)'`).FindAllStringSubmatch(m[1], -1)
	if len(pages) != 6 {
		t.Fatalf("%d pages in the router, want 6", len(pages))
	}
	index := read("index.html")
	for _, p := range pages {
		read("pages/" + p[1] + ".js")
		if !strings.Contains(index, `data-page="`+p[1]+`"`) {
			t.Errorf("the navigation has no link to %s", p[1])
		}
	}
	for _, ref := range regexp.MustCompile(`(?:href|src)="/dashboard/([^"]+)"`).FindAllStringSubmatch(index, -1) {
		read(ref[1])
	}
	if regexp.MustCompile(`<script>|<style|style="|onclick="`).MatchString(index) {
		t.Fatal("index.html has inline script or style, which the Content-Security-Policy blocks")
	}
	imports := regexp.MustCompile(`from '\.\./([^']+)'`)
	fs.WalkDir(files, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, im := range imports.FindAllStringSubmatch(read(p), -1) {
			read(im[1])
		}
		return nil
	})
}

// TestVendoredFilesMatchTheirRecord ties the vendored chart library to the
// version and checksums make dashboard-vendor recorded.
func TestVendoredFilesMatchTheirRecord(t *testing.T) {
	t.Parallel()
	files := Files()
	rec, err := fs.ReadFile(files, "vendor/VENDOR.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rec), "uplot 1.6.32 MIT") {
		t.Fatalf("VENDOR.txt does not record uPlot's version and licence:\n%s", rec)
	}
	if _, err := fs.Stat(files, "vendor/uPlot.LICENSE"); err != nil {
		t.Fatal("the licence of the vendored library is missing")
	}
	n := 0
	for _, line := range strings.Split(string(rec), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || len(f[0]) != 64 {
			continue
		}
		b, err := fs.ReadFile(files, "vendor/"+f[1])
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f[0] {
			t.Errorf("vendor/%s does not match its recorded checksum: run make dashboard-vendor", f[1])
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d checksums recorded, want 2", n)
	}
	head, _ := fs.ReadFile(files, "vendor/uPlot.esm.js")
	if !strings.Contains(string(head[:400]), "(v1.6.32)") {
		t.Fatal("uPlot.esm.js is not version 1.6.32")
	}
}

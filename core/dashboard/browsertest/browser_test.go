package browsertest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const page = `<!doctype html><html><head><meta charset="utf-8"><title>t</title></head><body>
<p id="msg">before</p><button id="go">go</button>
<script>
document.getElementById('go').addEventListener('click', () => {
  setTimeout(() => { document.getElementById('msg').textContent = 'after ' + location.hash; }, 150);
});
console.error('planted console error');
</script>
<script>undefinedFunction()</script>
</body></html>`

func launch(t *testing.T) *Browser {
	t.Helper()
	path, ok := Find()
	if !ok {
		t.Skip("no Chromium on this machine (Debian: apt-get install chromium; .ci/apt-packages lists it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Launch(ctx, Options{Path: path, Width: 800, Height: 600})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestPageDrivesARealBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer srv.Close()
	b := launch(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := b.NewPage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, srv.URL+"/#x"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := p.Eval(ctx, "Promise.resolve(20 + 22)", &n); err != nil || n != 42 {
		t.Fatalf("eval of a promise: %d %v", n, err)
	}
	if err := p.Eval(ctx, "nope.nope", nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("an exception must come back as an error naming it: %v", err)
	}
	if err := p.Click(ctx, "#go"); err != nil {
		t.Fatal(err)
	}
	if err := p.Click(ctx, "#missing"); err == nil {
		t.Fatal("clicking nothing must fail")
	}
	if err := p.WaitFor(ctx, "document.getElementById('msg').textContent === 'after #x'", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if txt, err := p.Text(ctx, "#msg"); err != nil || txt != "after #x" {
		t.Fatalf("text %q %v", txt, err)
	}
	err = p.WaitFor(ctx, "false", 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "after #x") {
		t.Fatalf("a timed-out wait must say what the page showed: %v", err)
	}
	errs := strings.Join(p.Errors(), "\n")
	if !strings.Contains(errs, "planted console error") || !strings.Contains(errs, "undefinedFunction") {
		t.Fatalf("console error and exception not collected: %q", errs)
	}
	png := filepath.Join(t.TempDir(), "shot.png")
	if err := p.Screenshot(ctx, png, true); err != nil {
		t.Fatal(err)
	}
	b1, err := os.ReadFile(png)
	if err != nil || !bytes.HasPrefix(b1, []byte("\x89PNG\r\n\x1a\n")) || len(b1) < 1000 {
		t.Fatalf("screenshot is not a PNG (%d bytes, %v)", len(b1), err)
	}
}

func TestLaunchReportsAMissingBrowser(t *testing.T) {
	t.Parallel()
	_, err := Launch(context.Background(), Options{Path: filepath.Join(t.TempDir(), "no-such-browser")})
	if err == nil || !strings.Contains(err.Error(), "no-such-browser") {
		t.Fatalf("error %v, want one naming the binary", err)
	}
}

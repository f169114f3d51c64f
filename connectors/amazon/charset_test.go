package amazon

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestDecodeCharset decodes each supported charset, whether the reader
// asks for one byte or a whole buffer at a time, and refuses the others.
func TestDecodeCharset(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, contentType, in, want string
	}{
		{"utf-8 default", "text/plain", "Müller\t€", "Müller\t€"},
		{"latin1", "text/plain; charset=ISO-8859-1", "M\xfcller\tGr\xf6\xdfe \xa3", "Müller\tGröße £"},
		{"windows-1252", "text/plain;charset=windows-1252", "\x80 5\t\x93quoted\x94 \x85", "€ 5\t“quoted” …"},
	}
	for _, tc := range cases {
		for _, small := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				long := strings.Repeat(tc.in+"\n", 2000)
				r, err := decodeCharset(strings.NewReader(long), tc.contentType)
				if err != nil {
					t.Fatal(err)
				}
				if small {
					r = iotest.OneByteReader(r)
				}
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if want := strings.Repeat(tc.want+"\n", 2000); string(got) != want {
					t.Errorf("decoded %q…, want %q…", got[:40], want[:40])
				}
			})
		}
	}
	if _, err := decodeCharset(strings.NewReader(""), "text/plain; charset=Shift_JIS"); err == nil || !strings.Contains(err.Error(), "shift_jis") {
		t.Errorf("Shift_JIS: %v, want a refusal naming the charset", err)
	}
}

// BenchmarkLatin1 measures decoding a 1 MB windows-1252 flat file.
func BenchmarkLatin1(b *testing.B) {
	in := strings.Repeat("sku-1\tM\xfcller \x80 12,50\n", 1<<20/22)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r, _ := decodeCharset(strings.NewReader(in), "text/plain; charset=windows-1252")
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

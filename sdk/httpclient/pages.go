package httpclient

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// Page is one page of a paginated listing.
type Page[T any] struct {
	// Items are the page's items.
	Items []T
	// Cursor is the cursor this page was fetched with ("" for the first).
	Cursor string
	// Next is the cursor of the next page, "" on the last page.
	Next string
	// Number counts pages from 1.
	Number int
}

// FetchPage fetches the page at cursor ("" for the first) and returns its
// items and the next cursor, "" when there is no next page.
type FetchPage[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Pages iterates a cursor-paginated listing from cursor ("" for the
// beginning), one page at a time, so that the caller can checkpoint after
// each. It stops after the last page, at the first error (yielded once), or
// when the loop breaks. An upstream that returns a cursor it already
// returned is an error, not an endless loop.
func Pages[T any](ctx context.Context, cursor string, fetch FetchPage[T]) iter.Seq2[Page[T], error] {
	return func(yield func(Page[T], error) bool) {
		seen := map[string]bool{cursor: true}
		for n := 1; ; n++ {
			if err := ctx.Err(); err != nil {
				yield(Page[T]{}, err)
				return
			}
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(Page[T]{}, fmt.Errorf("httpclient: page %d: %w", n, err))
				return
			}
			if next != "" && seen[next] {
				yield(Page[T]{}, fmt.Errorf("httpclient: page %d: the upstream returned cursor %q again; stopping instead of looping", n, next))
				return
			}
			seen[next] = true
			if !yield(Page[T]{Items: items, Cursor: cursor, Next: next, Number: n}, nil) || next == "" {
				return
			}
			cursor = next
		}
	}
}

// FetchOffset fetches up to limit items starting at offset.
type FetchOffset[T any] func(ctx context.Context, offset, limit int) ([]T, error)

// OffsetPages iterates an offset/limit listing from offset, limit items at
// a time, until a page comes back shorter than limit.
func OffsetPages[T any](ctx context.Context, offset, limit int, fetch FetchOffset[T]) iter.Seq2[Page[T], error] {
	return func(yield func(Page[T], error) bool) {
		if limit < 1 {
			yield(Page[T]{}, fmt.Errorf("httpclient: page size %d must be at least 1", limit))
			return
		}
		for n := 1; ; n++ {
			if err := ctx.Err(); err != nil {
				yield(Page[T]{}, err)
				return
			}
			items, err := fetch(ctx, offset, limit)
			if err != nil {
				yield(Page[T]{}, fmt.Errorf("httpclient: page %d (offset %d): %w", n, offset, err))
				return
			}
			next := ""
			if len(items) >= limit {
				next = fmt.Sprint(offset + len(items))
			}
			if !yield(Page[T]{Items: items, Cursor: fmt.Sprint(offset), Next: next, Number: n}, nil) || next == "" {
				return
			}
			offset += len(items)
		}
	}
}

// NextLink returns the URL of the rel="next" link of an RFC 8288 Link
// header (as Shopify's and GitHub's REST APIs paginate), "" when there is
// none.
func NextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, link := range strings.Split(v, ",") {
			parts := strings.Split(link, ";")
			if len(parts) < 2 {
				continue
			}
			target := strings.TrimSpace(parts[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range parts[1:] {
				p = strings.TrimSpace(p)
				k, val, ok := strings.Cut(p, "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1]
					}
				}
			}
		}
	}
	return ""
}

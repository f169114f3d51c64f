package conformance

import (
	"sync"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// Store keeps the newest version of each record, as the gateway's store
// does: a record replaces the stored one only when its upstream updated_at
// is strictly newer, so that redeliveries change nothing and an older
// update arriving late never overwrites a newer one. The kit uses it to
// check what a connector's records would do to the gateway; tests of
// connectors may use it too. It is safe for concurrent use.
type Store struct {
	mu sync.Mutex
	m  map[storeKey]commerce.Record
}

type storeKey struct {
	kind commerce.Kind
	ref  commerce.Ref
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{m: map[storeKey]commerce.Record{}} }

// Apply upserts records in order and reports how many changed the store
// and how many were skipped as not newer.
func (s *Store) Apply(records ...commerce.Record) (applied, skipped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range records {
		k := storeKey{r.Kind(), r.Ref()}
		if old, ok := s.m[k]; ok && !r.Version().After(old.Version()) {
			skipped++
			continue
		}
		s.m[k] = r
		applied++
	}
	return applied, skipped
}

// Get returns the stored version of a record, nil when absent.
func (s *Store) Get(kind commerce.Kind, ref commerce.Ref) commerce.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[storeKey{kind, ref}]
}

// Len returns the number of records stored.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

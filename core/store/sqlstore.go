package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// sqlStore implements Store over database/sql for both dialects. w takes
// writes; r takes reads (the same pool on PostgreSQL).
type sqlStore struct {
	w, r *sql.DB
	d    dialect
	now  func() time.Time

	// SQLite only: the background WAL checkpointer.
	cp       *sql.DB
	stopCP   chan struct{}
	cpStoped chan struct{}
}

func newSQLStore(w, r *sql.DB, d dialect) *sqlStore {
	return &sqlStore{w: w, r: r, d: d, now: time.Now}
}

func (s *sqlStore) Driver() string { return s.d.name }

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	if s.cp != nil {
		close(s.stopCP)
		<-s.cpStoped
		s.cp.Close()
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// startCheckpointer copies the WAL into the database file every 250 ms
// with a PASSIVE checkpoint on its own connection, which never blocks
// writers; writes themselves never checkpoint (wal_autocheckpoint is 0).
func (s *sqlStore) startCheckpointer(cp *sql.DB, logger *slog.Logger) {
	s.cp, s.stopCP, s.cpStoped = cp, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.cpStoped)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stopCP:
				// A last full checkpoint leaves the database file complete.
				cp.Exec("PRAGMA wal_checkpoint(TRUNCATE)") //nolint:errcheck
				return
			case <-t.C:
				if _, err := cp.Exec("PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
					logger.Warn("store: WAL checkpoint", "err", err)
				}
			}
		}
	}()
}

func (s *sqlStore) q(query string) string { return s.d.rebind(query) }

// inTx runs f in a write transaction.
func (s *sqlStore) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback() //nolint:errcheck
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// recordKeys returns the secondary keys a record is found by: "sku",
// "location" and "customer" (the upstream customer id and "email:<address>").
func recordKeys(rec commerce.Record) map[string][]string {
	var skus, locations, customers []string
	addCustomer := func(id, email string) {
		if id != "" {
			customers = append(customers, id)
		}
		if email != "" {
			customers = append(customers, CustomerEmailKey(email))
		}
	}
	switch r := rec.(type) {
	case *commerce.Order:
		skus = r.SKUs()
		for _, l := range r.Lines {
			if l.LocationID != "" {
				locations = append(locations, l.LocationID)
			}
		}
		if r.Customer != nil {
			addCustomer(r.Customer.ExternalID, r.Customer.Email)
		}
	case *commerce.Customer:
		addCustomer(r.Source.ExternalID, r.Email)
	case *commerce.Product:
		for _, v := range r.Variants {
			if v.SKU != "" {
				skus = append(skus, v.SKU)
			}
		}
	case *commerce.InventoryLevel:
		skus, locations = []string{r.SKU}, []string{r.LocationID}
	case *commerce.Receipt:
		skus, locations = []string{r.SKU}, []string{r.LocationID}
	case *commerce.Shipment:
		for _, l := range r.Lines {
			if l.SKU != "" {
				skus = append(skus, l.SKU)
			}
		}
		if r.LocationID != "" {
			locations = []string{r.LocationID}
		}
	case *commerce.Refund:
		for _, l := range r.Lines {
			if l.SKU != "" {
				skus = append(skus, l.SKU)
			}
		}
	case *commerce.Forecast:
		skus, locations = []string{r.SKU}, []string{r.LocationID}
	case *commerce.ReplenishmentSuggestion:
		skus, locations = []string{r.SKU}, []string{r.LocationID}
	case *commerce.Location:
		locations = []string{r.Source.ExternalID}
	}
	return map[string][]string{"sku": dedupe(skus), "location": dedupe(locations), "customer": dedupe(customers)}
}

func appendKeyArgs(args []any, id int64, rec commerce.Record) []any {
	keys := recordKeys(rec)
	for _, name := range []string{"sku", "location", "customer"} {
		for _, v := range keys[name] {
			args = append(args, id, name, v)
		}
	}
	return args
}

// CustomerEmailKey is the secondary key under which records of a customer
// are found by e-mail address.
func CustomerEmailKey(email string) string {
	return "email:" + strings.ToLower(strings.TrimSpace(email))
}

func dedupe(xs []string) []string {
	if len(xs) < 2 {
		return xs
	}
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

type prepared struct {
	idx     int // position in the caller's slice
	rec     commerce.Record
	kind    commerce.Kind
	ref     commerce.Ref
	key     string
	data    []byte
	hash    string
	version int64
}

func recordKey(kind commerce.Kind, ref commerce.Ref) string {
	return string(kind) + "\x00" + ref.Connection + "\x00" + ref.ExternalID
}

type storedVersion struct {
	id      int64
	version int64
	hash    string
}

// upsertChunk bounds the rows of one multi-row statement, well under both
// databases' parameter limits.
const upsertChunk = 200

func (s *sqlStore) UpsertRecords(ctx context.Context, recs []commerce.Record) ([]UpsertResult, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	ps, err := prepare(recs)
	if err != nil {
		return nil, err
	}
	var results []UpsertResult
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		results, err = s.upsertTx(ctx, tx, ps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// prepare validates and encodes records before any transaction starts.
func prepare(recs []commerce.Record) ([]prepared, error) {
	ps := make([]prepared, len(recs))
	for i, rec := range recs {
		if rec == nil {
			return nil, fmt.Errorf("store: upsert: record %d is nil", i)
		}
		if err := rec.Validate(); err != nil {
			return nil, fmt.Errorf("store: upsert record %d (%s): %w", i, rec.Ref(), err)
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("store: upsert record %d (%s): encode: %w", i, rec.Ref(), err)
		}
		sum := sha256.Sum256(b)
		kind, ref := rec.Kind(), rec.Ref()
		ps[i] = prepared{idx: i, rec: rec, kind: kind, ref: ref, key: recordKey(kind, ref), data: b,
			hash: hex.EncodeToString(sum[:16]), version: rec.Version().UnixNano()}
	}
	return ps, nil
}

// upsertTx writes prepared records inside tx and returns one result per
// record, in order.
func (s *sqlStore) upsertTx(ctx context.Context, tx *sql.Tx, ps []prepared) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(ps))
	// Within one call the newest version of each record wins (the later one
	// on a tie); the others are reported stale once the winner's id is known.
	winner := make(map[string]int, len(ps))
	for i, p := range ps {
		if w, ok := winner[p.key]; !ok || p.version >= ps[w].version {
			winner[p.key] = i
		}
	}
	var winners []prepared
	for i, p := range ps {
		if winner[p.key] == i {
			winners = append(winners, p)
		}
	}
	now := s.now().UnixNano()
	for start := 0; start < len(winners); start += upsertChunk {
		chunk := winners[start:min(start+upsertChunk, len(winners))]
		if err := s.upsertChunk(ctx, tx, chunk, results, now); err != nil {
			return nil, err
		}
	}
	for i, p := range ps {
		if w := winner[p.key]; w != i {
			results[i] = UpsertResult{ID: results[w].ID, Kind: p.kind, Ref: p.ref, Outcome: Stale}
		}
	}
	return results, nil
}

// lookupVersions returns what is stored for the chunk's records.
func (s *sqlStore) lookupVersions(ctx context.Context, tx *sql.Tx, chunk []prepared) (map[string]storedVersion, error) {
	args := make([]any, 0, 3*len(chunk))
	for _, p := range chunk {
		args = append(args, p.ref.Connection, string(p.kind), p.ref.ExternalID)
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, connection, kind, external_id, version, hash FROM records
		WHERE (connection, kind, external_id) IN (VALUES `+tuples(len(chunk), 3)+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: upsert: look up versions: %w", err)
	}
	defer rows.Close()
	out := make(map[string]storedVersion, len(chunk))
	for rows.Next() {
		var sv storedVersion
		var conn, kind, ext string
		if err := rows.Scan(&sv.id, &conn, &kind, &ext, &sv.version, &sv.hash); err != nil {
			return nil, err
		}
		out[recordKey(commerce.Kind(kind), commerce.Ref{Connection: conn, ExternalID: ext})] = sv
	}
	return out, rows.Err()
}

func classify(p prepared, sv storedVersion, ok bool) Outcome {
	switch {
	case !ok:
		return Inserted
	case p.version < sv.version:
		return Stale
	case p.version == sv.version && p.hash == sv.hash:
		return Unchanged
	}
	return Updated
}

func (s *sqlStore) upsertChunk(ctx context.Context, tx *sql.Tx, chunk []prepared, results []UpsertResult, now int64) error {
	stored, err := s.lookupVersions(ctx, tx, chunk)
	if err != nil {
		return err
	}
	var write []prepared
	for _, p := range chunk {
		sv, ok := stored[p.key]
		outcome := classify(p, sv, ok)
		results[p.idx] = UpsertResult{ID: sv.id, Kind: p.kind, Ref: p.ref, Outcome: outcome}
		if outcome == Inserted || outcome == Updated {
			write = append(write, p)
		}
	}
	if len(write) == 0 {
		return nil
	}
	args := make([]any, 0, 8*len(write))
	for _, p := range write {
		args = append(args, p.ref.Connection, string(p.kind), p.ref.ExternalID, p.version, p.hash,
			boolInt(p.rec.IsDeleted()), string(p.data), now)
	}
	rows, err := tx.QueryContext(ctx, s.q(`INSERT INTO records (connection, kind, external_id, version, hash, deleted, data, ingested_at)
		VALUES `+tuples(len(write), 8)+`
		ON CONFLICT (connection, kind, external_id) DO UPDATE SET
			version = excluded.version, hash = excluded.hash, deleted = excluded.deleted,
			data = excluded.data, ingested_at = excluded.ingested_at
		WHERE excluded.version > records.version
		   OR (excluded.version = records.version AND excluded.hash <> records.hash)
		RETURNING id, connection, kind, external_id`), args...)
	if err != nil {
		return fmt.Errorf("store: upsert %d records: %w", len(write), err)
	}
	written := make(map[string]int64, len(write))
	for rows.Next() {
		var id int64
		var conn, kind, ext string
		if err := rows.Scan(&id, &conn, &kind, &ext); err != nil {
			rows.Close()
			return err
		}
		written[recordKey(commerce.Kind(kind), commerce.Ref{Connection: conn, ExternalID: ext})] = id
	}
	if err := rows.Close(); err != nil {
		return err
	}
	var changed []prepared
	var updatedIDs []any
	for _, p := range write {
		id, ok := written[p.key]
		if !ok {
			// A concurrent writer stored a newer or identical version between
			// our read and our write (PostgreSQL only; SQLite has one writer).
			results[p.idx].Outcome = Stale
			if again, err := s.lookupVersions(ctx, tx, []prepared{p}); err == nil {
				sv := again[p.key]
				results[p.idx].ID = sv.id
				if o := classify(p, sv, true); o == Unchanged || o == Updated {
					results[p.idx].Outcome = Unchanged
				}
			}
			continue
		}
		results[p.idx].ID = id
		if results[p.idx].Outcome == Updated {
			updatedIDs = append(updatedIDs, id)
		}
		changed = append(changed, p)
	}
	if len(updatedIDs) > 0 {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM record_keys WHERE record_id IN ("+placeholders(len(updatedIDs))+")"), updatedIDs...); err != nil {
			return fmt.Errorf("store: upsert: clear keys: %w", err)
		}
	}
	var keyArgs []any
	outArgs := make([]any, 0, 4*len(changed))
	for _, p := range changed {
		id := results[p.idx].ID
		keyArgs = appendKeyArgs(keyArgs, id, p.rec)
		ev, _ := json.Marshal(RecordEvent{ID: id, Kind: p.kind, Connection: p.ref.Connection, ExternalID: p.ref.ExternalID,
			Version: p.rec.Version(), Outcome: results[p.idx].Outcome})
		outArgs = append(outArgs, Topic(p.kind, p.rec.IsDeleted()), p.ref.Connection+"/"+p.ref.ExternalID, string(ev), now)
	}
	for start := 0; start < len(keyArgs); start += 3 * 300 {
		part := keyArgs[start:min(start+3*300, len(keyArgs))]
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO record_keys (record_id, name, value) VALUES "+tuples(len(part)/3, 3)+" ON CONFLICT DO NOTHING"), part...); err != nil {
			return fmt.Errorf("store: upsert: keys: %w", err)
		}
	}
	if len(changed) > 0 {
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO outbox (topic, msg_key, payload, created_at) VALUES "+tuples(len(changed), 4)), outArgs...); err != nil {
			return fmt.Errorf("store: upsert: outbox: %w", err)
		}
	}
	return nil
}

// tuples returns "(?, ?), (?, ?)" for n rows of width w.
func tuples(n, w int) string {
	row := "(" + placeholders(w) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const recordColumns = "id, kind, connection, external_id, version, deleted, ingested_at, data"

func scanRecord(row interface{ Scan(...any) error }) (*StoredRecord, error) {
	var r StoredRecord
	var kind, data string
	var version, ingested int64
	var deleted int
	if err := row.Scan(&r.ID, &kind, &r.Connection, &r.ExternalID, &version, &deleted, &ingested, &data); err != nil {
		return nil, err
	}
	r.Kind = commerce.Kind(kind)
	r.Version = time.Unix(0, version).UTC()
	r.IngestedAt = time.Unix(0, ingested).UTC()
	r.Deleted = deleted != 0
	r.Data = json.RawMessage(data)
	return &r, nil
}

func (s *sqlStore) GetRecord(ctx context.Context, kind commerce.Kind, id int64) (*StoredRecord, error) {
	r, err := scanRecord(s.r.QueryRowContext(ctx, s.q("SELECT "+recordColumns+" FROM records WHERE id = ? AND kind = ?"), id, string(kind)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s %d", ErrNotFound, kind, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s %d: %w", kind, id, err)
	}
	return r, nil
}

func (s *sqlStore) GetRecordByRef(ctx context.Context, kind commerce.Kind, ref commerce.Ref) (*StoredRecord, error) {
	r, err := scanRecord(s.r.QueryRowContext(ctx, s.q("SELECT "+recordColumns+" FROM records WHERE connection = ? AND kind = ? AND external_id = ?"),
		ref.Connection, string(kind), ref.ExternalID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s %s", ErrNotFound, kind, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get %s %s: %w", kind, ref, err)
	}
	return r, nil
}

func (s *sqlStore) ListRecords(ctx context.Context, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.Limit > 1000 {
		q.Limit = 1000
	}
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if q.Kind != "" {
		add("kind = ?", string(q.Kind))
	}
	if q.Connection != "" {
		add("connection = ?", q.Connection)
	}
	if q.ExternalID != "" {
		add("external_id = ?", q.ExternalID)
	}
	if !q.UpdatedSince.IsZero() {
		add("version >= ?", q.UpdatedSince.UnixNano())
	}
	if q.After > 0 {
		add("id > ?", q.After)
	}
	if !q.IncludeDeleted {
		where = append(where, "deleted = 0")
	}
	if q.SKU != "" {
		add("id IN (SELECT record_id FROM record_keys WHERE name = 'sku' AND value = ?)", q.SKU)
	}
	if q.Location != "" {
		add("id IN (SELECT record_id FROM record_keys WHERE name = 'location' AND value = ?)", q.Location)
	}
	if q.Customer != "" {
		add("id IN (SELECT record_id FROM record_keys WHERE name = 'customer' AND value = ?)", q.Customer)
	}
	query := "SELECT " + recordColumns + " FROM records"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id LIMIT %d", q.Limit+1)
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return Page{}, fmt.Errorf("store: list records: %w", err)
	}
	defer rows.Close()
	var page Page
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return Page{}, fmt.Errorf("store: list records: %w", err)
		}
		page.Items = append(page.Items, *r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("store: list records: %w", err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.Next = page.Items[q.Limit-1].ID
	}
	return page, nil
}

func (s *sqlStore) ReplaceRecordData(ctx context.Context, id int64, rec commerce.Record) error {
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("store: replace record %d: %w", id, err)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	now := s.now().UnixNano()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, s.q("UPDATE records SET data = ?, hash = ?, ingested_at = ? WHERE id = ? AND kind = ?"),
			string(b), hex.EncodeToString(sum[:16]), now, id, string(rec.Kind()))
		if err != nil {
			return fmt.Errorf("store: replace record %d: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s %d", ErrNotFound, rec.Kind(), id)
		}
		// Keys derive from the body: a redacted e-mail must not stay findable.
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM record_keys WHERE record_id = ?"), id); err != nil {
			return err
		}
		if args := appendKeyArgs(nil, id, rec); len(args) > 0 {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO record_keys (record_id, name, value) VALUES "+tuples(len(args)/3, 3)+" ON CONFLICT DO NOTHING"), args...); err != nil {
				return err
			}
		}
		ref := rec.Ref()
		ev, _ := json.Marshal(RecordEvent{ID: id, Kind: rec.Kind(), Connection: ref.Connection, ExternalID: ref.ExternalID,
			Version: rec.Version(), Outcome: Updated})
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO outbox (topic, msg_key, payload, created_at) VALUES (?, ?, ?, ?)"),
			Topic(rec.Kind(), false), ref.Connection+"/"+ref.ExternalID, string(ev), now)
		return err
	})
}

func (s *sqlStore) CountRecords(ctx context.Context, kind commerce.Kind, connection string) (int64, error) {
	query, args := "SELECT COUNT(*) FROM records WHERE kind = ? AND deleted = 0", []any{string(kind)}
	if connection != "" {
		query += " AND connection = ?"
		args = append(args, connection)
	}
	var n int64
	if err := s.r.QueryRowContext(ctx, s.q(query), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count %s: %w", kind, err)
	}
	return n, nil
}

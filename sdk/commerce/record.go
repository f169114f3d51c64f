package commerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kind names a type of record, as stored and as it crosses the plugin
// boundary.
type Kind string

// The record kinds. The string values are part of the plugin protocol and
// the HTTP API; they never change.
const (
	KindProduct                 Kind = "product"
	KindLocation                Kind = "location"
	KindInventoryLevel          Kind = "inventory_level"
	KindOrder                   Kind = "order"
	KindRefund                  Kind = "refund"
	KindShipment                Kind = "shipment"
	KindCustomer                Kind = "customer"
	KindForecast                Kind = "forecast"
	KindReplenishmentSuggestion Kind = "replenishment_suggestion"
	KindProductRecommendations  Kind = "product_recommendations"
	KindReceipt                 Kind = "receipt"
)

// InternalConnection is the source connection of records that Supplyhub
// derives itself (forecasts, replenishment suggestions).
const InternalConnection = "supplyhub"

// Ref points at a record in an upstream: the connection it came from and the
// upstream's own id for it, always kept as a string.
type Ref struct {
	// Connection is the id of the Supplyhub connection the record came from.
	Connection string `json:"connection"`
	// ExternalID is the upstream's id of the record, e.g. "gid://shopify/Order/5862346506295".
	ExternalID string `json:"external_id"`
}

// String formats the reference as "connection/external_id".
func (r Ref) String() string { return r.Connection + "/" + r.ExternalID }

// Meta is embedded in every record: where it came from and which upstream
// version it is.
type Meta struct {
	// Source is the connection and upstream id of the record.
	Source Ref `json:"source"`
	// UpdatedAt is the upstream's last-modified time. It orders versions: the
	// store never replaces a record with one whose UpdatedAt is older.
	UpdatedAt time.Time `json:"updated_at"`
	// Deleted marks a tombstone: the upstream deleted the record.
	Deleted bool `json:"deleted,omitempty"`
}

// Ref returns the record's source reference.
func (m Meta) Ref() Ref { return m.Source }

// Version returns the upstream updated_at.
func (m Meta) Version() time.Time { return m.UpdatedAt }

// IsDeleted reports whether the record is a tombstone.
func (m Meta) IsDeleted() bool { return m.Deleted }

// Metadata returns the record's Meta for changing it in place, e.g. to fill
// in the connection of records a plugin produced.
func (m *Meta) Metadata() *Meta { return m }

// Record is implemented by every stored record type.
type Record interface {
	// Kind says which type of record this is.
	Kind() Kind
	// Ref returns the connection and upstream id.
	Ref() Ref
	// Version returns the upstream updated_at.
	Version() time.Time
	// IsDeleted reports whether the record is a tombstone.
	IsDeleted() bool
	// Metadata returns the record's Meta, writable.
	Metadata() *Meta
	// Validate returns a *ValidationError naming every bad field, or nil.
	Validate() error
}

var factories = map[Kind]func() Record{
	KindProduct:                 func() Record { return new(Product) },
	KindLocation:                func() Record { return new(Location) },
	KindInventoryLevel:          func() Record { return new(InventoryLevel) },
	KindOrder:                   func() Record { return new(Order) },
	KindRefund:                  func() Record { return new(Refund) },
	KindShipment:                func() Record { return new(Shipment) },
	KindCustomer:                func() Record { return new(Customer) },
	KindForecast:                func() Record { return new(Forecast) },
	KindReplenishmentSuggestion: func() Record { return new(ReplenishmentSuggestion) },
	KindProductRecommendations:  func() Record { return new(ProductRecommendations) },
	KindReceipt:                 func() Record { return new(Receipt) },
}

// Kinds returns every record kind, sorted.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(factories))
	for k := range factories {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// ParseKind checks that s names a record kind.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if _, ok := factories[k]; !ok {
		return "", fmt.Errorf("commerce: unknown record kind %q (known: %v)", s, Kinds())
	}
	return k, nil
}

// New returns a new zero record of kind k, or nil for an unknown kind.
func New(k Kind) Record {
	f, ok := factories[k]
	if !ok {
		return nil
	}
	return f()
}

// Decode parses the JSON document of a record of kind k strictly: unknown
// fields, a money amount that is not a decimal string and trailing data are
// errors. It does not call Validate.
func Decode(k Kind, data []byte) (Record, error) {
	r := New(k)
	if r == nil {
		return nil, fmt.Errorf("commerce: unknown record kind %q (known: %v)", k, Kinds())
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("commerce: decode %s: time %s is not RFC 3339 with a zone, such as 2026-03-14T10:22:31-04:00: %w", k, pe.Value, err)
		}
		return nil, fmt.Errorf("commerce: decode %s: %w", k, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("commerce: decode %s: trailing data after the JSON document", k)
	}
	return r, nil
}

// DecodeValid is Decode followed by Validate.
func DecodeValid(k Kind, data []byte) (Record, error) {
	r, err := Decode(k, data)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

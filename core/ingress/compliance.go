package ingress

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
	"github.com/supplyhub/supplyhub/sdk/commerce"
)

// setConnection makes a record belong to connection id: an empty source
// connection is filled in; another connection is an error.
func setConnection(r commerce.Record, id string) error {
	m := r.Metadata()
	switch m.Source.Connection {
	case "":
		m.Source.Connection = id
	case id:
	default:
		return sdk.InvalidInput("record %s claims connection %q but came from connection %q", m.Source.ExternalID, m.Source.Connection, id)
	}
	return nil
}

// customerKeys returns the lookup keys of a customer: its upstream id and
// its e-mail address.
func customerKeys(c *commerce.OrderCustomer) []string {
	if c == nil {
		return nil
	}
	var keys []string
	if c.ExternalID != "" {
		keys = append(keys, c.ExternalID)
	}
	if c.Email != "" {
		keys = append(keys, store.CustomerEmailKey(c.Email))
	}
	return keys
}

// anonymiseAddress keeps what tax, shipping statistics and forecasting
// need (country and region) and drops the rest.
func anonymiseAddress(a *commerce.Address) *commerce.Address {
	if a == nil {
		return nil
	}
	return &commerce.Address{CountryCode: a.CountryCode, ProvinceCode: a.ProvinceCode}
}

func isAnonymous(a *commerce.Address) bool { return a == nil || *a == *anonymiseAddress(a) }

// redactRecord removes personal data from a record in place and reports
// whether it changed anything.
func redactRecord(r commerce.Record) bool {
	switch v := r.(type) {
	case *commerce.Order:
		if v.Customer != nil && v.Customer.Redacted && isAnonymous(v.ShippingAddress) && isAnonymous(v.BillingAddress) {
			return false
		}
		id := ""
		if v.Customer != nil {
			id = v.Customer.ExternalID
		}
		v.Customer = &commerce.OrderCustomer{ExternalID: id, Redacted: true}
		v.ShippingAddress = anonymiseAddress(v.ShippingAddress)
		v.BillingAddress = anonymiseAddress(v.BillingAddress)
		return true
	case *commerce.Customer:
		if v.Redacted {
			return false
		}
		v.Email, v.FirstName, v.LastName, v.Phone = "", "", "", ""
		for i := range v.Addresses {
			v.Addresses[i] = *anonymiseAddress(&v.Addresses[i])
		}
		v.Redacted = true
		return true
	}
	return false
}

// redactIfListed redacts an incoming record when its customer is on the
// connection's redaction list, so that a redelivery or a re-sync cannot
// bring the data back.
func redactIfListed(r commerce.Record, redacted map[string]bool) {
	var keys []string
	switch v := r.(type) {
	case *commerce.Order:
		keys = customerKeys(v.Customer)
	case *commerce.Customer:
		keys = customerKeys(&commerce.OrderCustomer{ExternalID: v.Source.ExternalID, Email: v.Email})
	}
	for _, k := range keys {
		if redacted[k] {
			redactRecord(r)
			return
		}
	}
}

// redactCustomer removes a customer's personal data from every order and
// customer record of the connection, remembers the customer so that later
// deliveries are redacted too, and says what it did.
func (in *Ingress) redactCustomer(ctx context.Context, connection string, c *commerce.OrderCustomer, orderIDs []string, reason string) (string, error) {
	keys := customerKeys(c)
	if len(keys) == 0 && len(orderIDs) == 0 {
		return "", sdk.InvalidInput("redaction names no customer id, e-mail or order")
	}
	if err := in.store.AddRedactions(ctx, connection, reason, keys); err != nil {
		return "", sdk.Retryable(err, "record redaction")
	}
	changed := map[commerce.Kind][]string{}
	redactStored := func(sr *store.StoredRecord) error {
		rec, err := sr.Decode()
		if err != nil {
			return err
		}
		if redactRecord(rec) {
			if err := in.store.ReplaceRecordData(ctx, sr.ID, rec); err != nil {
				return err
			}
			changed[sr.Kind] = append(changed[sr.Kind], sr.ExternalID)
		}
		return nil
	}
	for _, kind := range []commerce.Kind{commerce.KindOrder, commerce.KindCustomer} {
		for _, key := range keys {
			q := store.Query{Kind: kind, Connection: connection, Customer: key, Limit: 500, IncludeDeleted: true}
			for {
				page, err := in.store.ListRecords(ctx, q)
				if err != nil {
					return "", sdk.Retryable(err, "find records to redact")
				}
				for i := range page.Items {
					if err := redactStored(&page.Items[i]); err != nil {
						return "", sdk.Retryable(err, "redact record %d", page.Items[i].ID)
					}
				}
				if page.Next == 0 {
					break
				}
				q.After = page.Next
			}
		}
	}
	for _, oid := range orderIDs {
		sr, err := in.store.GetRecordByRef(ctx, commerce.KindOrder, commerce.Ref{Connection: connection, ExternalID: oid})
		if err != nil {
			continue // an order the gateway never saw holds nothing to redact
		}
		if err := redactStored(sr); err != nil {
			return "", sdk.Retryable(err, "redact order %s", oid)
		}
	}
	in.notify()
	var parts []string
	for _, k := range []commerce.Kind{commerce.KindOrder, commerce.KindCustomer} {
		ids := changed[k]
		sort.Strings(ids)
		if len(ids) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s record(s) [%s]", len(ids), k, strings.Join(ids, ", ")))
		}
	}
	if len(parts) == 0 {
		return "no stored record held this customer's personal data; future deliveries about them will be redacted", nil
	}
	return "removed name, e-mail, phone and street address (kept country and region) from " + strings.Join(parts, " and ") +
		"; future deliveries about this customer will be redacted", nil
}

// redactConnection removes the personal data of every customer of a
// connection (Shopify's shop/redact, 48 hours after uninstall).
func (in *Ingress) redactConnection(ctx context.Context, connection string) (string, error) {
	n := 0
	for _, kind := range []commerce.Kind{commerce.KindOrder, commerce.KindCustomer} {
		q := store.Query{Kind: kind, Connection: connection, Limit: 500, IncludeDeleted: true}
		for {
			page, err := in.store.ListRecords(ctx, q)
			if err != nil {
				return "", sdk.Retryable(err, "list records to redact")
			}
			for _, sr := range page.Items {
				rec, err := sr.Decode()
				if err != nil {
					return "", err
				}
				if redactRecord(rec) {
					if err := in.store.ReplaceRecordData(ctx, sr.ID, rec); err != nil {
						return "", sdk.Retryable(err, "redact record %d", sr.ID)
					}
					n++
				}
			}
			if page.Next == 0 {
				break
			}
			q.After = page.Next
		}
	}
	in.notify()
	return fmt.Sprintf("removed personal data from %d order and customer record(s) of connection %s", n, connection), nil
}

// dataRequest reports which stored records hold a customer's data; the
// merchant forwards it to the customer.
func (in *Ingress) dataRequest(ctx context.Context, connection string, c *commerce.OrderCustomer, orderIDs []string) (string, error) {
	found := map[string]bool{}
	for _, kind := range []commerce.Kind{commerce.KindOrder, commerce.KindCustomer} {
		for _, key := range customerKeys(c) {
			page, err := in.store.ListRecords(ctx, store.Query{Kind: kind, Connection: connection, Customer: key, Limit: 1000})
			if err != nil {
				return "", sdk.Retryable(err, "find customer records")
			}
			for _, sr := range page.Items {
				found[fmt.Sprintf("%s %s (id %d)", sr.Kind, sr.ExternalID, sr.ID)] = true
			}
		}
	}
	for _, oid := range orderIDs {
		if sr, err := in.store.GetRecordByRef(ctx, commerce.KindOrder, commerce.Ref{Connection: connection, ExternalID: oid}); err == nil {
			found[fmt.Sprintf("%s %s (id %d)", sr.Kind, sr.ExternalID, sr.ID)] = true
		}
	}
	list := make([]string, 0, len(found))
	for k := range found {
		list = append(list, k)
	}
	sort.Strings(list)
	if len(list) == 0 {
		return "the gateway holds no record of this customer", nil
	}
	return fmt.Sprintf("the gateway holds %d record(s) of this customer: %s; read them with GET /v1/orders/{id} and /v1/customers/{id}", len(list), strings.Join(list, "; ")), nil
}

package odootest

import (
	"fmt"
	"strings"
)

// odooError is an exception as Odoo serialises it: the Python class name,
// the message, and (for the JSON-2 API) the HTTP status of its class.
type odooError struct {
	name    string
	message string
	status  int
}

func (e *odooError) Error() string { return e.name + ": " + e.message }

// The exception classes Odoo returns, with their JSON-2 status
// (odoo/exceptions.py: UserError 422, AccessError and AccessDenied 403,
// MissingError 404, LockError 409; anything else is 500).
func valueError(format string, args ...any) error {
	return &odooError{name: "builtins.ValueError", message: fmt.Sprintf(format, args...), status: 500}
}

func validationError(format string, args ...any) error {
	return &odooError{name: "odoo.exceptions.ValidationError", message: fmt.Sprintf(format, args...), status: 422}
}

func userError(format string, args ...any) error {
	return &odooError{name: "odoo.exceptions.UserError", message: fmt.Sprintf(format, args...), status: 422}
}

func accessDenied() error {
	return &odooError{name: "odoo.exceptions.AccessDenied", message: "Access Denied", status: 403}
}

func accessError(tx *tx, model, op string) error {
	label := model
	if t := tx.db.tables[model]; t != nil {
		label = t.def.label
	}
	verb := map[string]string{"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[op]
	return &odooError{name: "odoo.exceptions.AccessError", status: 403, message: fmt.Sprintf(
		"You are not allowed to %s '%s' (%s) records.\n\nThis operation is allowed for the following groups:\n\t- Inventory/Administrator\n\t- Sales/Administrator\n\nContact your administrator to request access if necessary.", verb, label, model)}
}

func missingError(model string, ids []int64, u *user) error {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	uid := int64(1)
	if u != nil {
		uid = u.id
	}
	return &odooError{name: "odoo.exceptions.MissingError", status: 404, message: fmt.Sprintf(
		"Record does not exist or has been deleted.\n(Record: %s(%s,), User: %d)", model, strings.Join(parts, ", "), uid)}
}

func serializationFailure() error {
	return &odooError{name: "psycopg2.errors.SerializationFailure", status: 500,
		message: "could not serialize access due to concurrent update"}
}

// check enforces the user's access rights on a model.
func (tx *tx) check(model, op string) error {
	if tx.sudo || tx.user == nil {
		return nil
	}
	if tx.user.access == nil {
		return nil
	}
	ops, ok := tx.user.access[model]
	if !ok {
		ops = tx.user.access["*"]
	}
	letter := map[string]string{"read": "r", "write": "w", "create": "c", "unlink": "u"}[op]
	if strings.Contains(ops, letter) {
		return nil
	}
	return accessError(tx, model, op)
}

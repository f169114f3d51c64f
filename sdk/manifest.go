package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/supplyhub/supplyhub/sdk/commerce"
)

var (
	nameRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	streamRE  = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
	versionRE = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// Capabilities lists every capability, in the order Plugin.Capabilities
// reports them.
func Capabilities() []Capability {
	return []Capability{CapSource, CapSink, CapWebhooks, CapCarrier, CapFX, CapCustoms, CapSubscriptions}
}

// WriteActions lists every Change action of the protocol.
func WriteActions() []string {
	return []string{ActionSetInventory, ActionCreateFulfillment, ActionUpsertOrder, ActionCancelOrder, ActionCreatePurchaseOrder, ActionSetRecommendations}
}

// Validate checks that a manifest, as Serve sends it (capabilities filled
// in), is complete and consistent: a lowercase name usable in the binary
// name supplyhub-plugin-<name>, a semantic version, a description, a config
// schema that is a JSON object, known capabilities, at least one stream for
// a source (unique names, known kinds), a valid webhook spec for webhooks,
// known write actions for a sink, and secret or rate-limit fields that are
// named. It does not compile the schema: package sdk/jsonschema does that in
// the conformance kit and the host. The error lists every problem.
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(m.Name) {
		bad("name %q must be lowercase letters, digits and dashes, starting with a letter (the binary is supplyhub-plugin-<name>)", m.Name)
	}
	if !versionRE.MatchString(m.Version) {
		bad("version %q must be a semantic version such as 1.4.0", m.Version)
	}
	if m.Description == "" {
		bad("description is empty: say in one sentence what the connector connects to")
	}
	var schema map[string]json.RawMessage
	if len(m.ConfigSchema) == 0 {
		bad("config_schema is empty: describe the connection configuration as a JSON Schema")
	} else if err := json.Unmarshal(m.ConfigSchema, &schema); err != nil {
		bad("config_schema is not a JSON object: %v", err)
	}
	has := func(c Capability) bool { return slices.Contains(m.Capabilities, c) }
	for _, c := range m.Capabilities {
		if !slices.Contains(Capabilities(), c) {
			bad("capability %q is unknown (known: %v)", c, Capabilities())
		}
	}
	if has(CapSource) && len(m.Streams) == 0 {
		bad("a source must list its streams")
	}
	if !has(CapSource) && len(m.Streams) > 0 {
		bad("streams are listed but the connector does not implement Source")
	}
	seen := map[string]bool{}
	for i, s := range m.Streams {
		if !streamRE.MatchString(s.Name) {
			bad("streams[%d].name %q must be lowercase letters, digits, dashes or underscores", i, s.Name)
		}
		if seen[s.Name] {
			bad("streams[%d].name %q is listed twice", i, s.Name)
		}
		seen[s.Name] = true
		if len(s.Kinds) == 0 {
			bad("streams[%d] (%s) lists no record kinds", i, s.Name)
		}
		for _, k := range s.Kinds {
			if _, err := commerce.ParseKind(string(k)); err != nil {
				bad("streams[%d] (%s): %v", i, s.Name, err)
			}
		}
	}
	if has(CapWebhooks) {
		if m.Webhook == nil {
			bad("a connector with webhooks must declare its signature scheme in webhook")
		} else if err := m.Webhook.Validate(); err != nil {
			bad("webhook: %v", err)
		}
	}
	if has(CapSubscriptions) && !has(CapWebhooks) {
		bad("a connector that subscribes webhooks (Subscriptions) must also parse them (Webhooks) and declare their signature scheme")
	}
	if has(CapSink) && len(m.WriteActions) == 0 {
		bad("a sink must list its write_actions")
	}
	for _, a := range m.WriteActions {
		if !slices.Contains(WriteActions(), a) {
			bad("write action %q is unknown (known: %v)", a, WriteActions())
		}
	}
	for i, f := range m.SecretFields {
		if f == "" {
			bad("secret_fields[%d] is empty", i)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("sdk: manifest of %q: %w", m.Name, errors.Join(errs...))
}

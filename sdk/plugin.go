package sdk

import "fmt"

// Plugin bundles a connector's capabilities as the host uses them. Each
// optional capability is nil when the connector does not offer it. The host's
// plugin client (package core/host) and InProcess both produce one.
type Plugin struct {
	Connector Connector
	Source    Source
	Sink      Sink
	Webhooks  Webhooks
	Carrier   Carrier
	FX        FX
	Customs   Customs
	// Subscriptions registers webhook subscriptions upstream.
	Subscriptions Subscriptions
}

// InProcess returns c's capabilities found by type assertion, for tests and
// for embedding a connector in the host without a process boundary.
func InProcess(c Connector) Plugin {
	p := Plugin{Connector: c}
	p.Source, _ = c.(Source)
	p.Sink, _ = c.(Sink)
	p.Webhooks, _ = c.(Webhooks)
	p.Carrier, _ = c.(Carrier)
	p.FX, _ = c.(FX)
	p.Customs, _ = c.(Customs)
	p.Subscriptions, _ = c.(Subscriptions)
	return p
}

// Capabilities lists the capabilities p offers, in a fixed order.
func (p Plugin) Capabilities() []Capability {
	var cs []Capability
	if p.Source != nil {
		cs = append(cs, CapSource)
	}
	if p.Sink != nil {
		cs = append(cs, CapSink)
	}
	if p.Webhooks != nil {
		cs = append(cs, CapWebhooks)
	}
	if p.Carrier != nil {
		cs = append(cs, CapCarrier)
	}
	if p.FX != nil {
		cs = append(cs, CapFX)
	}
	if p.Customs != nil {
		cs = append(cs, CapCustoms)
	}
	if p.Subscriptions != nil {
		cs = append(cs, CapSubscriptions)
	}
	return cs
}

// Missing returns the NotImplemented error for a capability p lacks, naming
// the plugin so that the user knows what to upgrade.
func Missing(name string, c Capability) error {
	return NotImplemented("plugin %s does not implement %s", name, c).
		WithDetail("upgrade the plugin to a version that offers %s, or use another connector", c)
}

// String lists the capabilities.
func (p Plugin) String() string { return fmt.Sprint(p.Capabilities()) }

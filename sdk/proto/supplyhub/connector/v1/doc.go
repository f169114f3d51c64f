// Package connectorv1 is the generated Go code of the plugin protocol
// supplyhub.connector.v1 (connector.proto beside it).
//
// It is for the SDK and the host only: connector authors never import it,
// they implement the interfaces of package sdk, which converts to and from
// these wire types in one place. Plugins in other languages generate their
// own code from connector.proto; start there. Regenerate with "make proto".
package connectorv1

package commerce

import _ "embed"

//go:embed schema/commerce.schema.json
var schemaJSON []byte

// JSONSchema returns the JSON Schema (draft 2020-12) of the model, as
// generated into schema/commerce.schema.json. Record types are under
// "$defs"; "x-supplyhub-kinds" maps each Kind to its definition.
func JSONSchema() []byte { return append([]byte(nil), schemaJSON...) }

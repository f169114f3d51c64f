// Package jsonschema compiles JSON Schemas (draft 2020-12 by default) and
// validates JSON documents against them, with errors that name the JSON
// pointer of every bad value.
//
// It is for the conformance kit, which checks the config schema a connector
// returns from Describe, and for the gateway, which validates connection
// configurations before storing them. Start with [Compile] and
// [Schema.Validate]; [Problems] lists what was wrong.
//
// Schemas are self-contained: a $ref may point inside the schema or at the
// standard meta-schemas, never at a remote URL, so validation needs no
// network.
package jsonschema

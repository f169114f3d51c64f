// Package config loads the gateway's configuration: documented defaults,
// then an optional YAML file, then SUPPLYHUB_* environment variables, each
// overriding the one before. Print shows the effective configuration with
// secrets redacted.
//
// Every setting is a field of [Config] with a yaml tag, an env tag naming its
// environment variable, and a doc comment that docs/configuration.md
// repeats. Fields tagged secret:"true" never appear in clear in Print.
package config

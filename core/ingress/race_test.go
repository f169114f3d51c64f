//go:build race

package ingress

// raceEnabled is true under -race, where the pure-Go SQLite runs many
// times slower: tests that measure volume shrink their load.
const raceEnabled = true

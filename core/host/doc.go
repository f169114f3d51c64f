// Package host runs Supplyhub's connector plugins: it discovers the
// binaries supplyhub-plugin-<name> in a plugins directory, checks each
// against the SHA-256 pinned in the lock file before it runs, launches it
// under hashicorp/go-plugin (protocol version negotiated at handshake,
// AutoMTLS), routes its logs into the host's slog logger tagged with the
// plugin's name, health-checks it, and restarts it with backoff when it
// crashes. Calls in flight when a plugin dies fail as sdk.KindRetryable;
// the host itself never goes down with a plugin.
//
// It is for the gateway (core/app, core/ingress) and the CLI's
// "supplyhub plugins" commands. Start with [New] and [Host.Plugin], which
// returns an sdk.Plugin whose capabilities survive restarts; [Lock],
// [ReadLock] and [Verify] manage the lock file.
package host

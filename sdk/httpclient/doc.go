// Package httpclient gives connector authors an HTTP client that behaves
// well towards upstream APIs: it retries transient failures with jittered
// exponential backoff, honours Retry-After, paces requests with a token or
// leaky bucket, iterates cursor and offset pagination, logs requests with
// secrets redacted, and maps HTTP failures to the SDK's typed errors.
//
// It is for connector authors. Start with [New] and [Client.Do] (or
// [Client.JSON]); pass a [TokenBucket] or [LeakyBucket] as Config.Limiter to
// stay under the upstream's rate limit, iterate with [Pages], and turn a
// non-2xx response into an *sdk.Error with [Check].
package httpclient

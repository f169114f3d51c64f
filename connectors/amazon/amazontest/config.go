package amazontest

import "encoding/json"

// DefaultRelaySecret is the relay_secret Config sets.
const DefaultRelaySecret = "fake-relay-secret-0123456789abcdef"

// region is the SP-API region of the fake's marketplaces.
func (s *Server) region() string {
	switch fakeMarkets[s.opts.Marketplaces[0]].amazonCountry {
	case "US", "CA":
		return "na"
	case "JP":
		return "fe"
	}
	return "eu"
}

// Config returns a connection configuration (JSON) that points the
// connector at the fake: SP-API endpoint, token endpoint and SQS, with the
// fake's credentials, marketplaces and DefaultRelaySecret. overrides
// replace or add fields; a nil value removes one.
func (s *Server) Config(overrides map[string]any) []byte {
	cfg := map[string]any{
		"lwa_client_id":         s.opts.ClientID,
		"lwa_client_secret":     s.opts.ClientSecret,
		"refresh_token":         s.opts.RefreshToken,
		"seller_id":             s.opts.SellerID,
		"region":                s.region(),
		"marketplace_ids":       s.opts.Marketplaces,
		"endpoint":              s.URL,
		"lwa_endpoint":          s.URL + "/auth/o2/token",
		"relay_secret":          DefaultRelaySecret,
		"sqs_queue_url":         s.QueueURL,
		"sqs_region":            s.opts.AWSRegion,
		"sqs_access_key_id":     s.opts.AWSAccessKeyID,
		"sqs_secret_access_key": s.opts.AWSSecretAccessKey,
		"sqs_endpoint":          s.URL,
	}
	for k, v := range overrides {
		if v == nil {
			delete(cfg, k)
			continue
		}
		cfg[k] = v
	}
	b, _ := json.Marshal(cfg)
	return b
}

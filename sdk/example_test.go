package sdk_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/supplyhub/supplyhub/sdk"
)

// hello is the smallest connector: Describe and Check only.
type hello struct{}

func (hello) Describe(context.Context) (*sdk.Manifest, error) {
	return &sdk.Manifest{Name: "hello", Version: "0.1.0", Description: "Says hello.",
		ConfigSchema: json.RawMessage(`{"type":"object","properties":{"token":{"type":"string","description":"API token"}}}`)}, nil
}

func (hello) Check(_ context.Context, req sdk.CheckRequest) (*sdk.CheckResponse, error) {
	var cfg struct{ Token string }
	if err := json.Unmarshal(req.Config, &cfg); err != nil || cfg.Token == "" {
		return nil, sdk.Authentication("hello: no token").WithDetail("set token in the connection's configuration")
	}
	return &sdk.CheckResponse{Message: "hello, " + req.Connection}, nil
}

// A plugin's main is one call. Serve never returns; run the binary through
// the gateway, or with -debug to attach a debugger.
func ExampleServe() {
	main := func() { sdk.Serve(hello{}) }
	_ = main
}

// Loopback runs a connector behind the real wire encoding in-process: the
// typed error comes back with its kind and detail, as the host sees it.
func ExampleLoopback() {
	p, m, closeFn, err := sdk.Loopback(hello{})
	if err != nil {
		panic(err)
	}
	defer closeFn()
	fmt.Println(m.Name, m.SDK)
	res, _ := p.Connector.Check(context.Background(), sdk.CheckRequest{Connection: "shop-1", Config: json.RawMessage(`{"token":"t"}`)})
	fmt.Println(res.Message)
	_, err = p.Connector.Check(context.Background(), sdk.CheckRequest{Connection: "shop-1", Config: json.RawMessage(`{}`)})
	fmt.Println(sdk.KindOf(err), "-", err)
	// Output:
	// hello supplyhub-go/1
	// hello, shop-1
	// authentication - hello: no token (set token in the connection's configuration)
}

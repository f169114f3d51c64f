# Supplyhub — build, run and test. `make help` lists the targets.

GO        ?= go
BIN       ?= bin
PLUGINDIR ?= plugins/bin
DATA_DIR  ?= ./data
ADDR      ?= 127.0.0.1:8080
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: help build run test test-race test-short bench lint fmt proto

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## build the supplyhub binary into bin/ and every first-party plugin into plugins/bin/, then lock them
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/supplyhub ./cmd/supplyhub
	@mkdir -p $(PLUGINDIR)
	@set -e; for d in plugins/*/; do \
	  d=$${d%/}; n=$$(basename $$d); [ "$$n" = bin ] && continue; \
	  if [ -f $$d/main.go ]; then \
	    echo "plugin $$n"; $(GO) build -ldflags '$(LDFLAGS)' -o $(PLUGINDIR)/supplyhub-plugin-$$n ./$$d; \
	  elif [ -x $$d/build.sh ]; then \
	    echo "plugin $$n ($$d/build.sh)"; $$d/build.sh $(PLUGINDIR)/supplyhub-plugin-$$n || echo "  skipped $$n: its build.sh failed (see above)"; \
	  fi; \
	done
	$(BIN)/supplyhub plugins lock --plugins-dir $(PLUGINDIR)

run: build ## build and start the gateway on the embedded store and bus (data in ./data)
	$(BIN)/supplyhub serve --addr $(ADDR) --data-dir $(DATA_DIR)

# The concurrent core: the race detector runs its tests in `make test` too.
RACE_PKGS = ./core/api/... ./core/bus/... ./core/host/... ./core/ingress/... ./core/planning/... ./core/store/... \
	./core/forecast/ ./core/inventory/ ./core/recommend/ ./core/routing/ ./sdk/...

test: ## run every test, then the concurrent core again under the race detector (PostgreSQL and external NATS suites run when their SUPPLYHUB_TEST_* variables are set)
	$(GO) test -count=1 -timeout 12m ./...
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

test-race: ## only the concurrent core under the race detector
	$(GO) test -race -count=1 -timeout 10m $(RACE_PKGS)

test-short: ## run the fast unit tests only
	$(GO) test -short -count=1 ./...

bench: ## run the Go benchmarks (figures go into docs/benchmarks.md)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./...

lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go' | grep -v '\.pb\.go$$')

.PHONY: bench-forecast
bench-forecast: ## forecasting: 10k daily series timing, then accuracy and speed side by side with R (installs R from Debian if missing)
	GO=$(GO) bash core/forecast/bench/run.sh

.PHONY: bench-recommend
bench-recommend: ## recommend: 1M-line build, upsert, query, snapshot and evaluation benchmarks, then hit rate@10 on the demo and a generated shop
	$(GO) test -run '^$$' -bench 'Build|Snapshot|Evaluate' -benchmem -benchtime 3x ./core/recommend/
	$(GO) test -run '^$$' -bench 'Upsert|Query' -benchmem ./core/recommend/
	@mkdir -p $(BIN)
	$(GO) run ./cmd/supplyhub recommend generate --demo --out $(BIN)/recommend-demo.csv
	$(GO) run ./cmd/supplyhub recommend evaluate --orders $(BIN)/recommend-demo.csv --k 10
	$(GO) run ./cmd/supplyhub recommend generate --seed 3 --skus 1000 --customers 3000 --out $(BIN)/recommend-shop.csv
	$(GO) run ./cmd/supplyhub recommend evaluate --orders $(BIN)/recommend-shop.csv --k 10

.PHONY: bench-inventory
bench-inventory: ## inventory: plan 100,000 SKU-locations per forecast kind, then target vs achieved CSL and cost against a tuned min/max on generated demand (~10 min)
	$(GO) test -run '^$$' -bench 'Plan100k|PlanMemory' -benchmem -benchtime 1x -timeout 60m ./core/inventory/
	$(GO) test -run '^$$' -bench 'Decide' -benchmem ./core/inventory/
	$(GO) test -v -run '^$$' -bench 'ServiceLevels|VersusMinMax' -benchtime 1x -timeout 60m ./core/inventory/ | sed -n 's/^ *report_bench_test.go:[0-9]*: //p'

ROUTING_DATA ?= ../shared/bench/routing

.PHONY: bench-routing
bench-routing: ## routing gap tables: CVRP A and P (10 s each), X (60 s each), TSP (10 s each) into bin/bench-routing.md (~35 min)
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/supplyhub ./cmd/supplyhub
	set -e; { \
	  echo "### CVRP, Augerat A set (exactly k routes), 10 s per instance"; echo; \
	  $(BIN)/supplyhub route bench --data $(ROUTING_DATA) --set A --time-limit 10s --format markdown; echo; \
	  echo "### CVRP, Augerat P set (exactly k routes), 10 s per instance"; echo; \
	  $(BIN)/supplyhub route bench --data $(ROUTING_DATA) --set P --time-limit 10s --format markdown; echo; \
	  echo "### CVRP, Uchoa et al. X set (unlimited fleet), 60 s per instance"; echo; \
	  $(BIN)/supplyhub route bench --data $(ROUTING_DATA) --set X --time-limit 60s --format markdown; echo; \
	  echo "### TSP, TSPLIB, 10 s per instance"; echo; \
	  $(BIN)/supplyhub route bench --data $(ROUTING_DATA) --set TSP --time-limit 10s --format markdown; \
	} > $(BIN)/bench-routing.md
	cat $(BIN)/bench-routing.md

.PHONY: bench-logistics plugins-logistics
bench-logistics: ## carriers, FX, customs: rate shopping p50/p99 with one carrier slow (200 ms deadline), ECB parsing, conversion, landed-cost quotes (~1 min)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 400x ./connectors/carrier
	$(GO) test -run '^$$' -bench . -benchmem ./connectors/fx ./connectors/customs

plugins-logistics: ## build the carrier, fx and customs plugins into plugins/bin/ (then run "supplyhub plugins lock")
	@mkdir -p $(PLUGINDIR)
	for p in carrier fx customs; do $(GO) build -o $(PLUGINDIR)/supplyhub-plugin-$$p ./plugins/$$p || exit 1; done

# Protocol buffers: Debian's protoc (protobuf-compiler) and grpc_python_plugin
# (protobuf-compiler-grpc), with the Go generators pinned and installed into
# .tools/. The generated code is committed.
PROTOC_GEN_GO_VERSION      ?= v1.36.12
PROTOC_GEN_GO_GRPC_VERSION ?= v1.5.1
TOOLS                      ?= $(CURDIR)/.tools

proto: ## regenerate the plugin protocol's Go and Python code from sdk/proto (needs protobuf-compiler and protobuf-compiler-grpc)
	@command -v protoc >/dev/null || { echo "protoc is missing: apt-get install protobuf-compiler protobuf-compiler-grpc"; exit 1; }
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	protoc -I sdk/proto \
	  --plugin=protoc-gen-go=$(TOOLS)/protoc-gen-go --go_out=sdk/proto --go_opt=paths=source_relative \
	  --plugin=protoc-gen-go-grpc=$(TOOLS)/protoc-gen-go-grpc --go-grpc_out=sdk/proto --go-grpc_opt=paths=source_relative \
	  supplyhub/connector/v1/connector.proto
	protoc -I sdk/proto \
	  --python_out=plugins/example-python/src \
	  --plugin=protoc-gen-grpc_python=$$(command -v grpc_python_plugin) --grpc_python_out=plugins/example-python/src \
	  supplyhub/connector/v1/connector.proto
	$(GO) test ./sdk/proto/... ./sdk/grpcplugin/

.PHONY: bench-plugins
bench-plugins: ## plugin boundary: records/s through Read (plugin process, in-process gRPC, direct) and unary call latency (~1 min)
	$(GO) test -run '^$$' -bench 'Read' -benchmem -benchtime 5x ./core/host/
	$(GO) test -run '^$$' -bench 'Check|Describe' -benchmem ./core/host/

.PHONY: bench-shopify
bench-shopify: ## shopify: 100,000-order sync with throttling off, in-process (bulk and paged) and through the plugin process: orders/s and peak memory
	$(GO) test -run '^$$' -bench 'Sync100k' -benchmem -benchtime 1x -timeout 30m ./connectors/shopify/
	$(GO) test -run '^$$' -bench 'ShopifyPlugin100k' -benchmem -benchtime 1x -timeout 30m ./e2e/

# Demo and dashboard (docs/demo.md, docs/dashboard.md).
DEMO_FLAGS    ?=
UPLOT_VERSION ?= 1.6.32
DASHBOARD_VENDOR := core/dashboard/static/vendor

.PHONY: demo dashboard-vendor
demo: build ## build, then run the whole product on fake upstreams: gateway, plugins, a year of history, live webhooks, the dashboard (DEMO_FLAGS="--skus 60")
	$(BIN)/supplyhub demo --addr $(ADDR) --data-dir $(DATA_DIR)/demo $(DEMO_FLAGS)

dashboard-vendor: ## re-vendor the dashboard's chart library (uPlot from npm) into core/dashboard/static/vendor with its version and licence (needs npm; the result is committed)
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install npm"; exit 1; }
	rm -rf $(BIN)/npm-uplot && mkdir -p $(BIN)/npm-uplot $(DASHBOARD_VENDOR)
	cd $(BIN)/npm-uplot && npm pack --silent uplot@$(UPLOT_VERSION) >/dev/null && tar xzf uplot-$(UPLOT_VERSION).tgz
	cp $(BIN)/npm-uplot/package/dist/uPlot.esm.js $(BIN)/npm-uplot/package/dist/uPlot.min.css $(DASHBOARD_VENDOR)/
	cp $(BIN)/npm-uplot/package/LICENSE $(DASHBOARD_VENDOR)/uPlot.LICENSE
	{ echo "# Vendored front-end libraries (make dashboard-vendor writes this file)"; echo; \
	  echo "uplot $(UPLOT_VERSION) MIT npm:uplot@$(UPLOT_VERSION)"; \
	  cd $(DASHBOARD_VENDOR) && sha256sum uPlot.esm.js uPlot.min.css; } > $(DASHBOARD_VENDOR)/VENDOR.txt
	cat $(DASHBOARD_VENDOR)/VENDOR.txt

.PHONY: bench-order-routing
bench-order-routing: ## order routing: decisions per second with table rates (1–5 lines, 5–20 locations), one core, all cores, and a 512-order batch with reservation (~1 min)
	$(GO) test -run '^$$' -bench 'Route' -benchmem -benchtime 5s -count 3 ./core/routing/

.PHONY: bench-odoo
bench-odoo: ## odoo: full reads of 2,000 products, their stock and 2,000 customers, and 1,000 orders pushed and replayed, in-process and through the plugin process, JSON-RPC and JSON-2 (~2 min)
	$(GO) test -run '^$$' -bench 'Read|WriteOrders' -benchmem -benchtime 1x ./connectors/odoo/
	$(GO) test -run '^$$' -bench 'OdooPlugin' -benchmem -benchtime 1x ./e2e/

.PHONY: bench-amazon
bench-amazon: ## amazon: 100,000-order syncs with quotas off (Orders API 2026-01-01, v0, reports) in-process and through the plugin process; notification parsing and order mapping (~15 min)
	$(GO) test -run '^$$' -bench 'Sync100k' -benchmem -benchtime 1x -timeout 60m ./connectors/amazon/
	$(GO) test -run '^$$' -bench 'ParseWebhook|MapOrder' -benchmem ./connectors/amazon/
	$(GO) test -run '^$$' -bench 'AmazonPlugin100k' -benchmem -benchtime 1x -timeout 30m ./e2e/

.PHONY: bench-ingest
bench-ingest: ## webhook acknowledgement path under wrk (distinct signed 4 KB bodies, 64 connections) beside the raw durable append; needs wrk (apt-get install wrk)
	@command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk"; exit 1; }
	$(GO) run ./e2e/ingestbench -n 200000 -d 10s -c 64

.PHONY: bench-gateway
bench-gateway: ## store upserts (SQLite and, with SUPPLYHUB_TEST_POSTGRES_URL, PostgreSQL) and a 100k-order Shopify sync through the gateway
	$(GO) test -run '^$$' -bench Upsert10k -benchtime 3x ./core/store
	$(GO) test -run '^$$' -bench GatewaySync100k -benchtime 1x -timeout 30m ./e2e

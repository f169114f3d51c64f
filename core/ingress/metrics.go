package ingress

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhooks      *prometheus.CounterVec // result: accepted, duplicate, bad_signature, unknown_connection, error
	commitBatch   prometheus.Histogram
	inbox         *prometheus.CounterVec // outcome: processed, retry, dead
	records       *prometheus.CounterVec // source, outcome
	syncs         *prometheus.CounterVec // state
	writebacks    *prometheus.CounterVec // outcome
	rateLimitWait prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supplyhub_webhooks_total",
			Help: "Webhook deliveries by result: accepted, duplicate, bad_signature, unknown_connection, error."}, []string{"connector", "result"}),
		commitBatch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "supplyhub_inbox_commit_batch_size",
			Help: "Deliveries per group commit (one fsync).", Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		inbox: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supplyhub_inbox_events_total",
			Help: "Inbox events handled by outcome: processed, retry, dead."}, []string{"outcome"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supplyhub_records_total",
			Help: "Records written by source (webhook, sync) and outcome (inserted, updated, unchanged, stale)."}, []string{"source", "outcome"}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supplyhub_sync_jobs_total",
			Help: "Sync jobs finished by state."}, []string{"state"}),
		writebacks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supplyhub_writebacks_total",
			Help: "Write-back changes by outcome: succeeded, retry, dead."}, []string{"outcome"}),
		rateLimitWait: prometheus.NewCounter(prometheus.CounterOpts{Name: "supplyhub_sync_rate_limit_wait_seconds_total",
			Help: "Time syncs waited for upstream rate limits."}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.webhooks, m.commitBatch, m.inbox, m.records, m.syncs, m.writebacks, m.rateLimitWait}
}

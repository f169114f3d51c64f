package ingress

import (
	"github.com/supplyhub/supplyhub/core/api"
	"github.com/supplyhub/supplyhub/core/store"
	"github.com/supplyhub/supplyhub/sdk"
)

func schemas() map[string]any {
	conn := api.SchemaOf(connectionView{})
	job := api.SchemaOf(jobView{})
	inbox := api.SchemaOf(inboxView{})
	wb := api.SchemaOf(store.Writeback{})
	manifest := api.SchemaOf(sdk.Manifest{})
	return map[string]any{
		"Manifest":           manifest,
		"ConnectorList":      api.ListOf(manifest),
		"CreateConnection":   api.SchemaOf(CreateRequest{}),
		"UpdateConnection":   api.SchemaOf(UpdateRequest{}),
		"Connection":         conn,
		"SubscriptionReport": api.SchemaOf(SubscriptionReport{}),
		"ConnectionList":     api.ListOf(conn),
		"WebhookAck": map[string]any{"type": "object", "properties": map[string]any{
			"status": map[string]any{"type": "string", "enum": []string{"accepted", "duplicate"}},
			"id":     map[string]any{"type": "string", "description": "the inbox event id"},
		}},
		"InboxEvent":     inbox,
		"InboxEventList": api.ListOf(api.SchemaOf(store.InboxEvent{})),
		"Replay":         map[string]any{"type": "object", "properties": map[string]any{"replayed": map[string]any{"type": "boolean"}, "message": map[string]any{"type": "string"}}},
		"SyncRequest":    api.SchemaOf(SyncRequest{}),
		"SyncJob":        job,
		"SyncJobList":    api.ListOf(job),
		"WritebackRequest": map[string]any{"type": "object", "required": []string{"action", "idempotency_key", "kind", "record"}, "properties": map[string]any{
			"action":          map[string]any{"type": "string", "enum": sdk.WriteActions()},
			"idempotency_key": map[string]any{"type": "string"},
			"kind":            map[string]any{"type": "string"},
			"record":          map[string]any{"type": "object", "description": "a record of the unified model of that kind"},
		}},
		"WritebackAck":  map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}, "duplicate": map[string]any{"type": "boolean"}}},
		"Writeback":     wb,
		"WritebackList": api.ListOf(wb),
		"RejectList":    api.ListOf(api.SchemaOf(store.Reject{})),
	}
}

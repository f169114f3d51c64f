-- The last result of registering a connection's webhook subscriptions
-- upstream (POST /v1/connections/{id}/webhooks/subscribe), a JSON document;
-- empty until the gateway has done it once.
ALTER TABLE connections ADD COLUMN webhook_subscriptions TEXT NOT NULL DEFAULT '';

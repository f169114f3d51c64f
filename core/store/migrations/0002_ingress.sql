-- Webhook inbox: every verified delivery, appended before the 2xx.
CREATE TABLE inbox (
    id              {{ID}},
    connection      TEXT    NOT NULL,
    dedupe_key      TEXT    NOT NULL,
    topic           TEXT    NOT NULL DEFAULT '',
    ordering_key    TEXT    NOT NULL DEFAULT '',
    headers         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    received_at     BIGINT  NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    lease_token     TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    result          TEXT    NOT NULL DEFAULT '',
    processed_at    BIGINT,
    UNIQUE (connection, dedupe_key)
);
CREATE INDEX inbox_claim ON inbox (status, next_attempt_at, id);
CREATE INDEX inbox_ordering ON inbox (ordering_key, id) WHERE ordering_key <> '';
CREATE INDEX inbox_connection ON inbox (connection, id);

-- Pull syncs: one row per job, progress as JSON per stream.
CREATE TABLE sync_jobs (
    id          {{ID}},
    connection  TEXT    NOT NULL,
    streams     TEXT    NOT NULL,
    mode        TEXT    NOT NULL,
    ids         TEXT    NOT NULL DEFAULT '',
    trigger_by  TEXT    NOT NULL DEFAULT 'api',
    state       TEXT    NOT NULL DEFAULT 'queued',
    progress    TEXT    NOT NULL DEFAULT '{}',
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    updated_at  BIGINT  NOT NULL,
    lease_until BIGINT  NOT NULL DEFAULT 0,
    lease_token TEXT    NOT NULL DEFAULT '',
    next_attempt_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sync_jobs_state ON sync_jobs (state, id);
CREATE INDEX sync_jobs_connection ON sync_jobs (connection, id);

-- The last committed cursor of each stream of each connection: where the
-- next incremental read starts.
CREATE TABLE sync_cursors (
    connection TEXT   NOT NULL,
    stream     TEXT   NOT NULL,
    position   TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (connection, stream)
);

-- Write-back: idempotent changes to push to an upstream.
CREATE TABLE writebacks (
    id              {{ID}},
    connection      TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    record          TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    lease_token     TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    external_id     TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    UNIQUE (connection, idempotency_key)
);
CREATE INDEX writebacks_claim ON writebacks (status, next_attempt_at, id);
CREATE INDEX writebacks_connection ON writebacks (connection, id);

-- Records of the unified model, keyed by source and ordered by upstream version.
CREATE TABLE records (
    id          {{ID}},
    connection  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    external_id TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    hash        TEXT    NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    data        TEXT    NOT NULL,
    ingested_at BIGINT  NOT NULL,
    UNIQUE (connection, kind, external_id)
);
CREATE INDEX records_kind_id ON records (kind, id);
CREATE INDEX records_kind_version ON records (kind, version);

-- Secondary keys for filters: name is "sku" or "location".
CREATE TABLE record_keys (
    record_id BIGINT NOT NULL,
    name      TEXT   NOT NULL,
    value     TEXT   NOT NULL,
    PRIMARY KEY (name, value, record_id)
);
CREATE INDEX record_keys_record ON record_keys (record_id);

CREATE TABLE connections (
    id         TEXT PRIMARY KEY,
    connector  TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    config     TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    last_error TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT   NOT NULL,
    hash         TEXT   NOT NULL UNIQUE,
    scopes       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

-- Transactional outbox: domain events written with the change they describe.
CREATE TABLE outbox (
    id           {{ID}},
    topic        TEXT   NOT NULL,
    msg_key      TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    leased_until BIGINT NOT NULL DEFAULT 0,
    published_at BIGINT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;

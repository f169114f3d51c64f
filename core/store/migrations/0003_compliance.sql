-- Records a plugin sent that did not decode or validate: dead letters of syncs.
CREATE TABLE rejects (
    id         {{ID}},
    connection TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    document   TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rejects_connection ON rejects (connection, id);

-- Customers whose personal data was redacted: incoming records about them
-- are redacted before they are stored.
CREATE TABLE redactions (
    connection   TEXT   NOT NULL,
    customer_key TEXT   NOT NULL,
    reason       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (connection, customer_key)
);

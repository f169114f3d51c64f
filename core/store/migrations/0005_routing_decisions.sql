-- Order-routing decisions: where each order ships from and why.
CREATE TABLE routing_decisions (
    id         {{ID}},
    order_ref  TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    decided_at BIGINT NOT NULL,
    outcome    TEXT   NOT NULL,
    decision   TEXT   NOT NULL
);
CREATE INDEX routing_decisions_order ON routing_decisions (order_ref, id);

-- The durable outbox: every reply to a messaging channel is a row, committed with the turn that produced it and
-- sent later by the dispatcher. The address travels encrypted and is cleared once the row is settled.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    channel             TEXT NOT NULL,
    recipient_hash      BLOB NOT NULL,
    address_cipher      BLOB,
    conversation_id     TEXT,
    payload             TEXT NOT NULL,
    callback_query_id   TEXT,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TEXT NOT NULL,
    lease_until         TEXT,
    window_expires_at   TEXT,
    provider_message_id TEXT,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (channel, recipient_hash, id);
CREATE INDEX outbox_conversation ON outbox (conversation_id);
CREATE UNIQUE INDEX outbox_provider_message ON outbox (channel, provider_message_id) WHERE provider_message_id IS NOT NULL;

-- Small named positions, e.g. the last Telegram update id read by long polling.
CREATE TABLE channel_cursors (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Conversations: one row per user and channel while a session lives (deleted after inactivity or BORRAR).
-- The channel address (phone number, chat id, web chat id) is never stored in clear: a keyed hash finds the row,
-- and AES-GCM ciphertext lets the bot reply later.
CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    address_hash    BLOB NOT NULL,
    address_cipher  BLOB NOT NULL,
    state           TEXT NOT NULL,
    content_version TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (channel, address_hash)
);
CREATE INDEX conversations_updated_at ON conversations (updated_at);

-- Inbound message ids already answered, so a repeated delivery is answered once. The id is hashed; the stored
-- replies are the bot's own texts (never what the user wrote).
CREATE TABLE inbound_messages (
    channel          TEXT NOT NULL,
    external_id_hash BLOB NOT NULL,
    conversation_id  TEXT,
    received_at      TEXT NOT NULL,
    replies          TEXT NOT NULL,
    PRIMARY KEY (channel, external_id_hash)
);
CREATE INDEX inbound_messages_conversation ON inbound_messages (conversation_id);
CREATE INDEX inbound_messages_received_at ON inbound_messages (received_at);

-- Requests for a person: topic and language only, no text.
CREATE TABLE handoff_requests (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    language        TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX handoff_requests_conversation ON handoff_requests (conversation_id);

-- Anonymous events: allow-listed columns only, the day and never a finer time, no person, no text (R3).
CREATE TABLE analytics_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    language        TEXT NOT NULL,
    node_id         TEXT,
    topic           TEXT,
    content_version TEXT NOT NULL,
    day             TEXT NOT NULL
);
CREATE INDEX analytics_events_day ON analytics_events (day);

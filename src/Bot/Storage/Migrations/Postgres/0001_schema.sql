-- The whole schema on PostgreSQL (Storage:Provider=postgres), equivalent to the SQLite migrations 0001 to 0005.
-- Times are timestamptz (UTC), days are date, binary values bytea. Applied under an advisory lock, so instances that
-- start together migrate once.

-- Conversations: one row per channel address (hashed; the address itself encrypted). State is the dialog state JSON.
CREATE TABLE conversations (
    id              text PRIMARY KEY,
    channel         text NOT NULL,
    address_hash    bytea NOT NULL,
    address_cipher  bytea NOT NULL,
    state           text NOT NULL,
    content_version text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (channel, address_hash)
);
CREATE INDEX conversations_updated_at ON conversations (updated_at);

-- Repeated deliveries: the provider's message id (hashed) and the replies it got.
CREATE TABLE inbound_messages (
    channel          text NOT NULL,
    external_id_hash bytea NOT NULL,
    conversation_id  text,
    received_at      timestamptz NOT NULL,
    replies          text NOT NULL,
    PRIMARY KEY (channel, external_id_hash)
);
CREATE INDEX inbound_messages_conversation ON inbound_messages (conversation_id);
CREATE INDEX inbound_messages_received_at ON inbound_messages (received_at);

-- The durable outbox (see src/Bot/Outbox): claimed with FOR UPDATE SKIP LOCKED, one row per recipient at a time.
CREATE TABLE outbox (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel             text NOT NULL,
    recipient_hash      bytea NOT NULL,
    address_cipher      bytea,
    conversation_id     text,
    payload             text NOT NULL,
    callback_query_id   text,
    status              text NOT NULL,
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL,
    lease_until         timestamptz,
    window_expires_at   timestamptz,
    provider_message_id text,
    last_error          text,
    template            text,
    language            text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (channel, recipient_hash, id);
CREATE INDEX outbox_conversation ON outbox (conversation_id);
CREATE INDEX outbox_held ON outbox (channel, recipient_hash) WHERE status = 'held';
CREATE UNIQUE INDEX outbox_provider_message ON outbox (channel, provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE TABLE channel_cursors (
    name       text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Cases, their transcripts (encrypted), inbox users and the audit log.
CREATE TABLE cases (
    id                    text PRIMARY KEY,
    reference             text NOT NULL UNIQUE,
    conversation_id       text REFERENCES conversations (id) ON DELETE SET NULL,
    channel               text NOT NULL,
    topic                 text NOT NULL,
    language              text NOT NULL,
    priority              text NOT NULL,
    status                text NOT NULL,
    summary               text,
    owner                 text,
    outcome               text,
    created_at            timestamptz NOT NULL,
    claimed_at            timestamptz,
    first_reply_at        timestamptz,
    closed_at             timestamptz,
    last_inbound_at       timestamptz NOT NULL,
    timeout_notified_at   timestamptz,
    transcript_deleted_at timestamptz,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX cases_status ON cases (status, priority, created_at);
CREATE INDEX cases_conversation ON cases (conversation_id);

CREATE TABLE case_messages (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     text NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author      text NOT NULL,
    author_name text,
    text_cipher bytea NOT NULL,
    outbox_id   bigint,
    created_at  timestamptz NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL,
    role                 text NOT NULL,
    password_hash        text NOT NULL,
    security_stamp       text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    disabled             boolean NOT NULL DEFAULT false,
    failed_attempts      integer NOT NULL DEFAULT 0,
    locked_until         timestamptz,
    created_at           timestamptz NOT NULL,
    last_login_at        timestamptz
);
CREATE UNIQUE INDEX users_username ON users (lower(username));

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor          text NOT NULL,
    action         text NOT NULL,
    case_reference text,
    detail         text
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Anonymous reach analytics (R3, R19, R20): events, periods with their salts, activity and daily roll-ups.
CREATE TABLE analytics_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL,
    channel         text NOT NULL,
    language        text NOT NULL,
    node_id         text,
    topic           text,
    content_version text NOT NULL,
    day             date NOT NULL,
    value           text,
    period          text,
    person          text
);
CREATE INDEX analytics_events_day ON analytics_events (day);
CREATE INDEX analytics_events_person ON analytics_events (period, person);

CREATE TABLE analytics_periods (
    id         text PRIMARY KEY,
    first_day  date NOT NULL,
    last_day   date NOT NULL,
    salt       bytea,
    created_at timestamptz NOT NULL,
    frozen_at  timestamptz
);

CREATE TABLE analytics_activity (
    period   text NOT NULL,
    person   text NOT NULL,
    day      date NOT NULL,
    channel  text NOT NULL,
    language text NOT NULL,
    topic    text NOT NULL,
    step     text NOT NULL,
    PRIMARY KEY (period, person, day, channel, language, topic, step)
);
CREATE INDEX analytics_activity_day ON analytics_activity (day);

CREATE TABLE analytics_daily (
    day             date NOT NULL,
    kind            text NOT NULL,
    channel         text NOT NULL,
    language        text NOT NULL,
    topic           text NOT NULL,
    node_id         text NOT NULL,
    value           text NOT NULL,
    content_version text NOT NULL,
    count           bigint NOT NULL,
    PRIMARY KEY (day, kind, channel, language, topic, node_id, value, content_version)
);

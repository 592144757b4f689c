-- Conversations with a person (cases). The summary holds node ids and choice ids only; the transcript's text is
-- encrypted (AES-GCM) and deleted after the retention period once the case is closed. The outcome stays, without text.
CREATE TABLE cases (
    id                 TEXT PRIMARY KEY,
    reference          TEXT NOT NULL UNIQUE,
    conversation_id    TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    channel            TEXT NOT NULL,
    topic              TEXT NOT NULL,
    language           TEXT NOT NULL,
    priority           TEXT NOT NULL,
    status             TEXT NOT NULL,
    summary            TEXT,
    owner              TEXT,
    outcome            TEXT,
    created_at         TEXT NOT NULL,
    claimed_at         TEXT,
    first_reply_at     TEXT,
    closed_at          TEXT,
    last_inbound_at    TEXT NOT NULL,
    timeout_notified_at TEXT,
    transcript_deleted_at TEXT,
    updated_at         TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status, priority, created_at);
CREATE INDEX cases_conversation ON cases (conversation_id);

CREATE TABLE case_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author      TEXT NOT NULL,
    author_name TEXT,
    text_cipher BLOB NOT NULL,
    outbox_id   INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);

-- Inbox users: caseworker, supervisor or analyst. Passwords hashed with ASP.NET Core's PasswordHasher.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    security_stamp       TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled             INTEGER NOT NULL DEFAULT 0,
    failed_attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    created_at           TEXT NOT NULL,
    last_login_at        TEXT
);

-- Who viewed, answered or closed which case, and user changes. Supervisors read it.
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,
    action          TEXT NOT NULL,
    case_reference  TEXT,
    detail          TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

DROP TABLE handoff_requests;

ALTER TABLE analytics_events ADD COLUMN value TEXT;

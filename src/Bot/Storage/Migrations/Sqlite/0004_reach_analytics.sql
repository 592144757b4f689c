-- Anonymous reach analytics (issue 5, rules R3, R19, R20).

-- Reporting periods: the random salt that, with the configured secret, keys the period's pseudonyms. It is destroyed
-- (set to NULL) once the period has ended, so nobody can link a pseudonym back to a number or to another period.
CREATE TABLE analytics_periods (
    id         TEXT PRIMARY KEY,
    first_day  TEXT NOT NULL,
    last_day   TEXT NOT NULL,
    salt       BLOB,
    created_at TEXT NOT NULL,
    frozen_at  TEXT
);

-- Raw events now say which period they belong to and, for events from a person's own turn, that period's pseudonym
-- (so "borrar" can remove them). Pruned into analytics_daily after Analytics:RawRetention.
ALTER TABLE analytics_events ADD COLUMN period TEXT;
ALTER TABLE analytics_events ADD COLUMN person TEXT;
CREATE INDEX analytics_events_person ON analytics_events (period, person);

-- What unique reach is counted from: one row per pseudonym, day, channel, language, topic and funnel step.
CREATE TABLE analytics_activity (
    period   TEXT NOT NULL,
    person   TEXT NOT NULL,
    day      TEXT NOT NULL,
    channel  TEXT NOT NULL,
    language TEXT NOT NULL,
    topic    TEXT NOT NULL,
    step     TEXT NOT NULL,
    PRIMARY KEY (period, person, day, channel, language, topic, step)
) WITHOUT ROWID;
CREATE INDEX analytics_activity_day ON analytics_activity (day);

-- Anonymous daily counts of raw events older than the raw retention (no person, no period key).
CREATE TABLE analytics_daily (
    day             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    language        TEXT NOT NULL,
    topic           TEXT NOT NULL,
    node_id         TEXT NOT NULL,
    value           TEXT NOT NULL,
    content_version TEXT NOT NULL,
    count           INTEGER NOT NULL,
    PRIMARY KEY (day, kind, channel, language, topic, node_id, value, content_version)
) WITHOUT ROWID;

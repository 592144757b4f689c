-- Raw analytics events no longer carry the person's pseudonym (issue 15). Unique reach is counted from
-- analytics_activity, which keeps it; events only ever needed it so that BORRAR could delete them, and the index that
-- found them by person took a page written at random on every turn. Events already stored become as anonymous as the
-- new ones (and as the daily counts they are rolled up into).
DROP INDEX IF EXISTS analytics_events_person;
UPDATE analytics_events SET person = NULL WHERE person IS NOT NULL;

-- Activity rows become an ordinary (rowid) table. As a WITHOUT ROWID table, its day index held the whole key after the
-- day, so an entry went to a page at random within the day, like the key's own: two pages written at random for each
-- new row. Now rows are appended, the day index appends too, and only the unique key (which finds a person's rows,
-- for BORRAR, and keeps a step from counting twice) is written at random.
CREATE TABLE analytics_activity_rows (
    period   TEXT NOT NULL,
    person   TEXT NOT NULL,
    day      TEXT NOT NULL,
    channel  TEXT NOT NULL,
    language TEXT NOT NULL,
    topic    TEXT NOT NULL,
    step     TEXT NOT NULL,
    UNIQUE (period, person, day, channel, language, topic, step)
);
INSERT INTO analytics_activity_rows (period, person, day, channel, language, topic, step)
    SELECT period, person, day, channel, language, topic, step FROM analytics_activity ORDER BY day;
DROP TABLE analytics_activity;
ALTER TABLE analytics_activity_rows RENAME TO analytics_activity;
CREATE INDEX analytics_activity_day ON analytics_activity (day);

-- Raw analytics events no longer carry the person's pseudonym (issue 15). Unique reach is counted from
-- analytics_activity, which keeps it; events only ever needed it so that BORRAR could delete them, and the index that
-- found them by person took a page written at random on every turn. Events already stored become as anonymous as the
-- new ones (and as the daily counts they are rolled up into).
DROP INDEX IF EXISTS analytics_events_person;
UPDATE analytics_events SET person = NULL WHERE person IS NOT NULL;

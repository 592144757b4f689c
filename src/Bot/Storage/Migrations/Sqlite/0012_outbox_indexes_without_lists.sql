-- Issue 15: SQLite evaluates a partial index's condition on every insert and update of the table, and a list of more
-- than two values (status IN ('sent', …)) is built as a temporary b-tree each time: two per reply queued, four per
-- reply settled, with their page caches allocated and freed on the writer's thread. The same conditions written as
-- comparisons cost nothing; the statements that read these indexes repeat them word for word (OutboxStore.Settled,
-- OutboxStore.Trouble), so the planner still uses them. PostgreSQL keeps its lists: it has no such cost.
DROP INDEX outbox_settled;
CREATE INDEX outbox_settled ON outbox (status, updated_at) WHERE status = 'sent' OR status = 'delivered' OR status = 'read' OR status = 'failed' OR status = 'cancelled';
DROP INDEX outbox_trouble;
CREATE INDEX outbox_trouble ON outbox (status, updated_at) WHERE status = 'dead' OR status = 'failed' OR status = 'blocked';

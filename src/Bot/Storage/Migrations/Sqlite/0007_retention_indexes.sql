-- Retention in small batches (issue 14): settled outbox rows are found by age through an index instead of a scan.
-- Partial: only settled rows are in it, so sending and claiming do not maintain it.
CREATE INDEX outbox_settled ON outbox (status, updated_at) WHERE status IN ('sent', 'delivered', 'read', 'failed', 'cancelled');

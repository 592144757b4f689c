-- WhatsApp's 24-hour window (issue 13). A reply that misses the window is no longer parked as 'needs_template': it is
-- 'held' until the person writes again, and a template row (template = its id in content/templates.yaml, language =
-- the person's language) asks them to write. Rows parked before this version are held the same way.
ALTER TABLE outbox ADD COLUMN template TEXT;
ALTER TABLE outbox ADD COLUMN language TEXT;
UPDATE outbox SET status = 'held' WHERE status = 'needs_template';
CREATE INDEX outbox_held ON outbox (channel, recipient_hash) WHERE status = 'held';

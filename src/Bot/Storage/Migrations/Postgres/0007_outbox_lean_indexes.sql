-- Every index of the outbox is written when a reply is queued and again when it settles (issue 15). Two of them held
-- every row ever sent for statements that read only a few: they become partial indexes of those rows.
-- Every row by person: only the count of templates sent to a person reads settled rows by person.
DROP INDEX outbox_recipient;
CREATE INDEX outbox_templates ON outbox (channel, recipient_hash, created_at) WHERE template IS NOT NULL;
-- Every row by status: the claim reads outbox_waiting (0008), retention outbox_settled; what remains is the troubled rows.
DROP INDEX outbox_due;
CREATE INDEX outbox_trouble ON outbox (status, updated_at) WHERE status IN ('dead', 'failed', 'blocked');

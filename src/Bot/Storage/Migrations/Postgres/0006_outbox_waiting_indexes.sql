-- The outbox's hot statements find waiting rows without reading its history (issue 14: a million settled rows made
-- every claim scan the table in id order, and the "earlier row of this recipient still waiting" check read each of the
-- recipient's past rows). Partial: only rows waiting to be sent or being sent are in them, so they stay small.
CREATE INDEX outbox_waiting ON outbox (id) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_waiting_recipient ON outbox (channel, recipient_hash, id) WHERE status IN ('pending', 'sending');

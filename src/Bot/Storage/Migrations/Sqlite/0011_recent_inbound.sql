-- The ids (keyed hashes) of a conversation's latest messages, kept in its row: an ordinary turn no longer writes a
-- dedupe record of its own (issue 15; see RecentInbound.cs). inbound_messages keeps the records a conversation's row
-- cannot: a deleting turn's (BORRAR) and the web chat's, whose replies are kept for a repeated POST.
ALTER TABLE conversations ADD COLUMN recent_inbound BLOB;

-- Several instances (issue 14): messages that instances kept on their own disks while the database was down are put
-- here when it is back, and answered in the order they arrived, whichever instance kept them. Sealed with the
-- address key like the spool files; deleted as each is answered.
CREATE TABLE inbound_queue (
    id           bigserial PRIMARY KEY,
    channel      text NOT NULL,
    address_hash bytea NOT NULL,
    received_at  timestamptz NOT NULL,
    deposited_at timestamptz NOT NULL DEFAULT now(),
    -- replayed messages wait out the grace (other instances may still be putting older ones back); a new message
    -- behind them is due at once, still after every older message of the same person
    due_at       timestamptz NOT NULL,
    payload      bytea NOT NULL
);
CREATE INDEX inbound_queue_person ON inbound_queue (channel, address_hash, received_at, id);

-- The revocation event stream (GET /token-events, issue 15): a log of the
-- invalidations that narrow or kill tokens, written by publishInvalidation in
-- the changing transaction, so a stream client that reconnects is sent what it
-- missed. created_at is the insert time (clock_timestamp(), not the
-- transaction's start): a stream replays events inserted shortly before the
-- client's last one, because ids are taken in insert order but become visible
-- in commit order. Housekeeping keeps a day of events (and always the newest).
CREATE TABLE token_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX token_events_created_at_idx ON token_events (created_at);

-- Writers stop queueing on two rows every one of them updated: the data
-- version and the day's cash rollup.
--
-- A row updated in a transaction stays locked until that transaction has
-- committed, WAL flush included (about 3 ms on this project's machines). So
-- one row that every write updates makes the writes of the whole shop
-- commit one at a time. Two such rows were in every payment:
--
-- 1. data_version (migration 001): its statement triggers moved the one
--    counter row at the first write of a transaction, and every other
--    writing transaction waited for the whole of that one (a payment: its
--    allocations, audit row and round trips), then for its commit.
-- 2. cash_daily (schema.sql): every payment added itself to the row of its
--    day and customer country, so a shop's payments of one day and one
--    country queued on one row from the payment's insert to its commit.
--
-- The guarantee stays: a cached figure is never older than the last
-- committed write. The counter still moves inside the writing transaction,
-- so a new number is visible exactly when the write is, never before it and
-- never for a write that rolls back.

-- The data version -------------------------------------------------------
-- 64 counter rows (slots); the data version is their sum. A transaction
-- moves one slot (its backend's) by one, at commit. A read is one statement,
-- so one snapshot: the transactions it sees are exactly those that finished
-- before it (PostgreSQL makes commits visible in one order), so the sum
-- grows by one with each commit a reader can see, and two readers that see
-- the same sum see the same committed writes.
ALTER TABLE data_version RENAME TO data_version_before_006;
CREATE TABLE data_version (
    slot smallint PRIMARY KEY CHECK (slot >= 0 AND slot < 64),
    version bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version (slot, version, changed_at)
SELECT 0, version, changed_at FROM data_version_before_006;
INSERT INTO data_version (slot) SELECT generate_series(1, 63);
DROP TABLE data_version_before_006;

-- The statement triggers of 001 (same function name) now only mark the
-- transaction, once: a transaction-local setting remembers that it did, and
-- the mark is a row in data_version_pending whose deferred constraint
-- trigger runs at commit, moves a slot and deletes the row. Both the
-- setting and the row are undone with a savepoint rolled back, so writes
-- that were all rolled back to savepoints move nothing, and a later write
-- marks the transaction again. A COPY of a million rows still costs one
-- trigger call and at most one row here.
CREATE UNLOGGED TABLE data_version_pending (
    xact bigint PRIMARY KEY
);

CREATE OR REPLACE FUNCTION data_version_advance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    xact constant text := txid_current()::text;
BEGIN
    -- The setting holds the transaction id, not a flag: a stray session-level
    -- SET cannot make a later transaction skip its mark.
    IF current_setting('ecc.data_version_pending', true) IS DISTINCT FROM xact THEN
        PERFORM set_config('ecc.data_version_pending', xact, true);
        INSERT INTO data_version_pending (xact) VALUES (xact::bigint);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION data_version_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now()
     WHERE slot = pg_backend_pid() % 64;
    DELETE FROM data_version_pending WHERE xact = NEW.xact;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER data_version_commit
    AFTER INSERT ON data_version_pending
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION data_version_commit();

-- Cash by day and country -------------------------------------------------
-- A day and country may have several rows (shards); its cash is their sum,
-- which is how every reader already reads this table. A payment adds itself
-- to the first shard of its day and country that no other open transaction
-- holds, or starts a new one: shards appear only when payments of one day
-- and country are written at the same moment (at most as many as writers
-- at once), and an unhurried shop keeps one row per day and country.
ALTER TABLE cash_daily ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE cash_daily DROP CONSTRAINT cash_daily_pkey;
ALTER TABLE cash_daily ADD PRIMARY KEY (day, country, shard);

CREATE OR REPLACE FUNCTION rollups_apply_payments(payment_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- PL/pgSQL, not SQL: the statement's plan is kept for the session
    -- instead of being made again for every payment.
    WITH cash AS (
        SELECT (p.received_at AT TIME ZONE bc.timezone)::date AS day, c.country,
               coalesce(sum(p.amount) FILTER (WHERE p.kind = 'payment'), 0) AS collected,
               coalesce(sum(p.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
          FROM unnest(payment_ids) AS wanted (id)
          JOIN payments AS p ON p.id = wanted.id
          JOIN customers AS c ON c.id = p.customer_id
         CROSS JOIN business_calendar AS bc
         GROUP BY 1, 2
    )
    INSERT INTO cash_daily AS t (day, country, shard, collected, refunded)
    SELECT cash.day, cash.country,
           coalesce(free.shard, pg_backend_pid() % 32768),
           cash.collected, cash.refunded
      FROM cash
      LEFT JOIN LATERAL (
            SELECT s.shard FROM cash_daily AS s
             WHERE s.day = cash.day AND s.country = cash.country
             ORDER BY s.shard LIMIT 1
               FOR UPDATE SKIP LOCKED
      ) AS free ON true
    -- A new shard is numbered after the backend, so two payments that start
    -- one at once start two. (Should two numbers meet, the second payment
    -- waits for the first to commit, then adds to its row.)
    ON CONFLICT (day, country, shard) DO UPDATE
       SET collected = t.collected + EXCLUDED.collected, refunded = t.refunded + EXCLUDED.refunded;
END
$$;

-- A write's rollup statements touch a few rows, but their row estimates
-- (an array's unnest, the one-row business_calendar never analysed) are
-- large enough to cross jit_above_cost: PostgreSQL then compiled each one
-- with LLVM, about 20 ms per statement, more than everything else a payment
-- or a shipment move does (measured: a payment's allocation trigger 45 ms
-- with JIT, 3.5 ms without).
ALTER FUNCTION rollups_apply_payments(bigint[]) SET jit = off;

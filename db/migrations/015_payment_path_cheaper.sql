-- A payment's server work: its rollup statements planned once per session
-- instead of at every payment, and its idempotency key's lock taken in the
-- statement that locks the orders (one round trip less).
--
-- payment_states_apply (007) was a LANGUAGE sql function: PostgreSQL plans
-- a SQL function's statements again at every call (its plans live only as
-- long as the calling statement), and this one is a five-part statement
-- writing two rollups. The same for payment_states_categories, called per
-- order by payment_states_on_allocations: a SQL function with an aggregate
-- is never inlined, so its query was planned again at every payment. With
-- eight clerks the allocation trigger was the largest part of a payment's
-- server time (measured at 1M orders: about 3.2 of its 4.3 ms of backend
-- CPU, payment_states_apply 3.2 ms and the categories 0.7 ms of it, with
-- track_functions = 'all').
--
-- Now payment_states_apply is PL/pgSQL with the very same statement, and
-- the allocation trigger reads each order's categories in its own statement
-- (a lateral subquery: the same rows as payment_states_categories(order_id),
-- every item of the order), whose plan PL/pgSQL keeps for the session.
--
-- PL/pgSQL keeps a statement with parameters (here the array argument) as a
-- generic plan only if that plan's estimate is close to the custom ones;
-- an unnest of an array parameter is estimated at 10 rows against the
-- custom plans' exact 1 to 6, so PostgreSQL kept planning afresh at every
-- call, as it did for rollups_apply_payments since 006 (custom plan: 0.5 ms
-- planning, 0.2 ms running; generic: 0.01 ms and 0.37 ms). Both functions
-- now use their generic plan, which is the same nested loop over the
-- primary keys (EXPLAIN at 1M orders; only the one-row business_calendar is
-- scanned). What the rollups hold does not change.

CREATE OR REPLACE FUNCTION payment_states_apply(facts payment_states_fact[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
        WITH keyed AS (
            SELECT (f.placed_at AT TIME ZONE bc.timezone)::date AS day, c.country,
                   (f.due_at AT TIME ZONE bc.timezone)::date AS due_day,
                   payment_states_bucket(f.status, f.total, f.paid, f.refunded) AS bucket,
                   f.sign, f.sign * (f.total - f.paid) AS balance_due, f.categories
              FROM unnest(facts) AS f
              JOIN customers AS c ON c.id = f.customer_id
             CROSS JOIN business_calendar AS bc
        ), country_rows AS (
            SELECT day, country, due_day, bucket, sum(sign) AS orders, sum(balance_due) AS balance_due
              FROM keyed WHERE bucket IS NOT NULL
             GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 OR sum(balance_due) <> 0
        ), category_rows AS (
            SELECT category, day, country, due_day, bucket, sum(sign) AS orders, sum(balance_due) AS balance_due
              FROM keyed CROSS JOIN unnest(keyed.categories) AS category
             WHERE bucket IS NOT NULL
             GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0 OR sum(balance_due) <> 0
        ), by_country AS (
            INSERT INTO payment_states_daily AS t (day, country, due_day, bucket, shard, orders, balance_due)
            SELECT r.day, r.country, r.due_day, r.bucket, coalesce(free.shard, pg_backend_pid() % 32768),
                   r.orders, r.balance_due
              FROM country_rows AS r
              LEFT JOIN LATERAL (
                    SELECT s.shard FROM payment_states_daily AS s
                     WHERE (s.day, s.country, s.due_day, s.bucket) = (r.day, r.country, r.due_day, r.bucket)
                     ORDER BY s.shard LIMIT 1
                       FOR UPDATE SKIP LOCKED
              ) AS free ON true
             ORDER BY 1, 2, 3, 4
            ON CONFLICT (day, country, due_day, bucket, shard) DO UPDATE
               SET orders = t.orders + EXCLUDED.orders, balance_due = t.balance_due + EXCLUDED.balance_due
        )
        INSERT INTO category_payment_states_daily AS t
               (category, day, country, due_day, bucket, shard, orders, balance_due)
        SELECT r.category, r.day, r.country, r.due_day, r.bucket, coalesce(free.shard, pg_backend_pid() % 32768),
               r.orders, r.balance_due
          FROM category_rows AS r
          LEFT JOIN LATERAL (
                SELECT s.shard FROM category_payment_states_daily AS s
                 WHERE (s.category, s.day, s.country, s.due_day, s.bucket)
                     = (r.category, r.day, r.country, r.due_day, r.bucket)
                 ORDER BY s.shard LIMIT 1
                   FOR UPDATE SKIP LOCKED
          ) AS free ON true
         ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (category, day, country, due_day, bucket, shard) DO UPDATE
           SET orders = t.orders + EXCLUDED.orders, balance_due = t.balance_due + EXCLUDED.balance_due;
END
$$;

CREATE OR REPLACE FUNCTION payment_states_on_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM payment_states_apply(ARRAY(
        WITH d AS (
            SELECT a.order_id,
                   coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
                   coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
              FROM new_allocations AS a JOIN payments AS p ON p.id = a.payment_id
             GROUP BY a.order_id
        ), s AS (
            SELECT b.*, d.paid AS paid_now, d.refunded AS refunded_now, cat.categories
              FROM d JOIN order_balances AS b USING (order_id)
             CROSS JOIN LATERAL (
                   SELECT coalesce(array_agg(DISTINCT pr.category), '{}') AS categories
                     FROM order_items AS i JOIN products AS pr ON pr.id = i.product_id
                    WHERE i.order_id = b.order_id
             ) AS cat
             WHERE b.status = 'placed'
        )
        SELECT ROW(customer_id, status, placed_at, due_at, total, paid - paid_now, refunded - refunded_now,
                   categories, -1)::payment_states_fact FROM s
        UNION ALL
        SELECT ROW(customer_id, status, placed_at, due_at, total, paid, refunded, categories, 1)::payment_states_fact
          FROM s
    ));
    RETURN NULL;
END $$;

-- CREATE OR REPLACE resets a function's settings: keep JIT off (007's reason:
-- these few-row statements are estimated past jit_above_cost).
ALTER FUNCTION payment_states_apply(payment_states_fact[]) SET jit = off;
ALTER FUNCTION payment_states_on_allocations() SET jit = off;
ALTER FUNCTION payment_states_apply(payment_states_fact[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION rollups_apply_payments(bigint[]) SET plan_cache_mode = force_generic_plan;

-- The idempotency key of a payment or refund (workflow.payments): wait for
-- the key's transaction lock, so that a second submission of the same form
-- waits for the first to finish, then say whether no payment carries the
-- key yet. VOLATILE, so its query takes a snapshot of its own after the
-- wait (READ COMMITTED) and sees the first submission's payment if that
-- committed. The orders' locking statement calls it once, before it locks
-- any row (an InitPlan), which saves the lock's own round trip: it was one
-- statement of its own, and the next statement's snapshot came after it.
CREATE FUNCTION payment_key_unused(wanted text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(wanted, 0));
    RETURN NOT EXISTS (SELECT 1 FROM payments WHERE idempotency_key = wanted);
END $$;

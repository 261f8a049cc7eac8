-- Payment-state counts for the KPI cards without reading every order.
--
-- The cards count the orders placed in a period per payment state, judged
-- now, with their balance due. Fully paid orders are the difference from
-- orders_daily / sales_daily; the others ("attention": placed and not fully
-- paid, or refunded) were read from order_balances, about 11,000 rows for 90
-- days at 1M orders scattered over the whole table, and a country or
-- category filter added a lookup per row (120-380 ms).
--
-- These rollups hold those orders by placed day, customer country, due day
-- and a bucket that does not depend on the clock: refunded,
-- partially_refunded, partially_paid, unpaid (DESIGN.md's rule, first match
-- wins, with 'paid' left out). Whether an open order is overdue depends on
-- the moment: the reader takes due days before the moment's day as overdue,
-- due days after it as not, and judges the orders due on that very day one by
-- one (order_balances_open_due_idx), so the figures are exact at any moment.
-- Days are business days (business_calendar); a time zone change rebuilds
-- them. Like the other rollups, an order is filed under its customer's
-- country and its items' categories as they are when the rows are written.
--
-- Payments of one day and country must not wait for each other's commits
-- (the clerks' 25 ms): a write adds to the first shard of its key that no
-- other open transaction holds, or starts a new one numbered after its
-- backend, as cash_daily does (006). Readers sum the shards; a rebuild
-- leaves one per key.
--
-- A period's rows are read together: the rebuild writes them in key order,
-- and pages keep room (fillfactor) so that a trigger's update stays on its
-- page instead of scattering them.
--
-- Kept by statement-level triggers on order_items, payment_allocations and
-- orders (after the order_balances triggers, whose results they read): each
-- takes the affected orders' contribution as it was out and puts it back as
-- it is. rebuild_payment_states_daily() and
-- rebuild_category_payment_states_daily() recompute them from the base tables.

CREATE TABLE payment_states_daily (
    day          date          NOT NULL,  -- placed, business day
    country      char(2)       NOT NULL,
    due_day      date          NOT NULL,  -- business day of due_at
    bucket       text          NOT NULL
                 CHECK (bucket IN ('refunded', 'partially_refunded', 'partially_paid', 'unpaid')),
    orders       integer       NOT NULL DEFAULT 0,
    balance_due  numeric(12,2) NOT NULL DEFAULT 0,  -- total - paid
    shard        smallint      NOT NULL DEFAULT 0,
    PRIMARY KEY (day, country, due_day, bucket, shard)
) WITH (fillfactor = 80);

-- The same per category: an order counts once in each category it has an
-- item of (as sales_daily.order_count counts it).
CREATE TABLE category_payment_states_daily (
    category     text          NOT NULL,
    day          date          NOT NULL,
    country      char(2)       NOT NULL,
    due_day      date          NOT NULL,
    bucket       text          NOT NULL
                 CHECK (bucket IN ('refunded', 'partially_refunded', 'partially_paid', 'unpaid')),
    orders       integer       NOT NULL DEFAULT 0,
    balance_due  numeric(12,2) NOT NULL DEFAULT 0,
    shard        smallint      NOT NULL DEFAULT 0,
    PRIMARY KEY (category, day, country, due_day, bucket, shard)
) WITH (fillfactor = 80);

-- The open orders due on a given day, for the day the moment falls on.
CREATE INDEX order_balances_open_due_idx ON order_balances (due_at)
    WHERE status = 'placed' AND paid < total AND refunded = 0;

-- The bucket of an order that needs attention (NULL when it does not).
CREATE FUNCTION payment_states_bucket(order_status text, total numeric, paid numeric, refunded numeric)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN order_status <> 'placed' THEN NULL
        WHEN refunded > 0 AND refunded = paid THEN 'refunded'
        WHEN refunded > 0 THEN 'partially_refunded'
        WHEN paid >= total THEN NULL  -- paid
        WHEN paid > 0 THEN 'partially_paid'
        ELSE 'unpaid'
    END
$$;

-- One order's state as it was (sign -1) or as it is (sign 1).
CREATE TYPE payment_states_fact AS (
    customer_id bigint, status text, placed_at timestamptz, due_at timestamptz,
    total numeric, paid numeric, refunded numeric, categories text[], sign integer
);

-- Add each fact's order (sign 1) to its rows, or take it out (sign -1);
-- rows whose figures do not move are not written.
CREATE FUNCTION payment_states_apply(facts payment_states_fact[]) RETURNS void
LANGUAGE sql AS $$
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
       SET orders = t.orders + EXCLUDED.orders, balance_due = t.balance_due + EXCLUDED.balance_due
$$;

-- The categories of an order's items, leaving out the given items.
CREATE FUNCTION payment_states_categories(wanted bigint, left_out bigint[] DEFAULT '{}')
RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT p.category), '{}')
      FROM order_items AS i JOIN products AS p ON p.id = i.product_id
     WHERE i.order_id = wanted AND i.id <> ALL (left_out)
$$;

-- New items raise an order's total and may bring new categories: out with
-- the order as it was without them, in with it as it is.
CREATE FUNCTION payment_states_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM payment_states_apply(ARRAY(
        WITH d AS (
            SELECT order_id, sum(quantity * unit_price) AS amount, array_agg(id) AS item_ids
              FROM new_items GROUP BY order_id
        ), s AS (
            SELECT b.*, d.amount, d.item_ids FROM d JOIN order_balances AS b USING (order_id)
             WHERE b.status = 'placed'
        )
        SELECT ROW(customer_id, status, placed_at, due_at, total - amount, paid, refunded,
                   payment_states_categories(order_id, item_ids), -1)::payment_states_fact
          FROM s WHERE paid < total - amount OR refunded > 0
        UNION ALL
        SELECT ROW(customer_id, status, placed_at, due_at, total, paid, refunded,
                   payment_states_categories(order_id), 1)::payment_states_fact
          FROM s WHERE paid < total OR refunded > 0
    ));
    RETURN NULL;
END $$;
CREATE TRIGGER payment_states_on_items  -- after order_balances_add_items (triggers fire by name)
    AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION payment_states_on_items();

CREATE FUNCTION payment_states_on_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM payment_states_apply(ARRAY(
        WITH d AS (
            SELECT a.order_id,
                   coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
                   coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
              FROM new_allocations AS a JOIN payments AS p ON p.id = a.payment_id
             GROUP BY a.order_id
        ), s AS (
            SELECT b.*, d.paid AS paid_now, d.refunded AS refunded_now,
                   payment_states_categories(b.order_id) AS categories
              FROM d JOIN order_balances AS b USING (order_id)
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
CREATE TRIGGER payment_states_on_allocations  -- after order_balances_add_allocations
    AFTER INSERT ON payment_allocations
    REFERENCING NEW TABLE AS new_allocations
    FOR EACH STATEMENT EXECUTE FUNCTION payment_states_on_allocations();

-- A cancellation (or its undoing), or a changed customer, placed or due time.
CREATE FUNCTION payment_states_on_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM payment_states_apply(ARRAY(
        WITH s AS (
            SELECT o.customer_id AS old_customer, o.status AS old_status, o.placed_at AS old_placed,
                   o.due_at AS old_due, n.customer_id, n.status, n.placed_at, n.due_at,
                   b.total, b.paid, b.refunded, payment_states_categories(n.id) AS categories
              FROM old_orders AS o JOIN new_orders AS n USING (id)
              JOIN order_balances AS b ON b.order_id = n.id
             WHERE (o.status, o.placed_at, o.due_at, o.customer_id)
                   IS DISTINCT FROM (n.status, n.placed_at, n.due_at, n.customer_id)
        )
        SELECT ROW(old_customer, old_status, old_placed, old_due, total, paid, refunded,
                   categories, -1)::payment_states_fact FROM s
        UNION ALL
        SELECT ROW(customer_id, status, placed_at, due_at, total, paid, refunded, categories, 1)::payment_states_fact
          FROM s
    ));
    RETURN NULL;
END $$;
CREATE TRIGGER payment_states_on_orders  -- after order_balances_follow_orders
    AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION payment_states_on_orders();

-- The orders that need attention, from the base tables only: total from the
-- items, paid and refunded from the allocations.
CREATE FUNCTION payment_states_from_base()
RETURNS TABLE (order_id bigint, day date, country char(2), due_day date, bucket text, balance_due numeric)
LANGUAGE sql STABLE AS $$
    WITH totals AS (
        SELECT i.order_id, sum(i.quantity * i.unit_price) AS total FROM order_items AS i GROUP BY i.order_id
    ), money AS (
        SELECT a.order_id,
               coalesce(sum(a.amount) FILTER (WHERE p.kind = 'payment'), 0) AS paid,
               coalesce(sum(a.amount) FILTER (WHERE p.kind = 'refund'), 0) AS refunded
          FROM payment_allocations AS a JOIN payments AS p ON p.id = a.payment_id
         GROUP BY a.order_id
    ), state AS (
        SELECT o.id, o.placed_at, o.due_at, c.country, t.total, coalesce(m.paid, 0) AS paid,
               payment_states_bucket(o.status, t.total, coalesce(m.paid, 0), coalesce(m.refunded, 0)) AS bucket
          FROM orders AS o
          JOIN customers AS c ON c.id = o.customer_id
          JOIN totals AS t ON t.order_id = o.id
          LEFT JOIN money AS m ON m.order_id = o.id
         WHERE o.status = 'placed'
    )
    SELECT s.id, (s.placed_at AT TIME ZONE bc.timezone)::date, s.country,
           (s.due_at AT TIME ZONE bc.timezone)::date, s.bucket, s.total - s.paid
      FROM state AS s CROSS JOIN business_calendar AS bc
     WHERE s.bucket IS NOT NULL
$$;

CREATE FUNCTION rebuild_payment_states_daily() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE payment_states_daily;
    INSERT INTO payment_states_daily (day, country, due_day, bucket, orders, balance_due)
    SELECT day, country, due_day, bucket, count(*), sum(balance_due)
      FROM payment_states_from_base() GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
END $$;

CREATE FUNCTION rebuild_category_payment_states_daily() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE category_payment_states_daily;
    INSERT INTO category_payment_states_daily (category, day, country, due_day, bucket, orders, balance_due)
    SELECT k.category, s.day, s.country, s.due_day, s.bucket, count(*), sum(s.balance_due)
      FROM payment_states_from_base() AS s
      JOIN (SELECT DISTINCT i.order_id, p.category
              FROM order_items AS i JOIN products AS p ON p.id = i.product_id) AS k USING (order_id)
     GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
END $$;

-- Days are business days: a new time zone files every order again.
CREATE FUNCTION payment_states_on_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_payment_states_daily();
    PERFORM rebuild_category_payment_states_daily();
    RETURN NULL;
END $$;
CREATE TRIGGER payment_states_on_calendar
    AFTER UPDATE OF timezone ON business_calendar
    FOR EACH STATEMENT EXECUTE FUNCTION payment_states_on_calendar();

SELECT rebuild_payment_states_daily();
SELECT rebuild_category_payment_states_daily();

-- A write's rollup statements touch a few rows, but their row estimates
-- (an array's unnest, the one-row business_calendar never analysed) are
-- large enough to cross jit_above_cost: PostgreSQL then compiled each one
-- with LLVM, about 20 ms per statement, more than everything else a payment
-- or a shipment move does (measured: a payment's allocation trigger 45 ms
-- with JIT, 3.5 ms without).
ALTER FUNCTION payment_states_apply(payment_states_fact[]) SET jit = off;
ALTER FUNCTION payment_states_on_items() SET jit = off;
ALTER FUNCTION payment_states_on_allocations() SET jit = off;
ALTER FUNCTION payment_states_on_orders() SET jit = off;

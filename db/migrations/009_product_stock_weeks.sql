-- Weekly running totals per product, for turnover over any range without
-- reading the range's days (workflow.analytics.turnover).
--
-- product_stock_weeks: for each week end (a Sunday, in the business time
-- zone) up to product_stock_weeks_closed.through, one row per product that
-- had a stock movement or an order item on or before it, holding its totals
-- from the beginning to the end of that day:
--   stock          units on hand: the sum of its movements;
--   delta_day_sum  the sum of each movement's quantity_delta x (its day -
--                  2000-01-01): with stock, it gives the stock-days of any
--                  range from its two ends (see turnover.py);
--   sold_qty, cogs units booked and their cost (items of placed orders, at
--                  the items' unit cost, on the day the order was placed;
--                  a cancellation takes them back out of that day).
-- A missing row means all zero.
--
-- product_stock_days: the same changes per business day (net stock delta,
-- units and cost booked), one row per product and day with a movement or an
-- order item, stored in day order. The totals at any day d are the row of
-- the nearest closed week end (before or after d) plus or minus the day
-- rows between: one block of rows per week end, and at most three days of
-- day rows, whatever the period's length.
--
-- Writes add to the rows (upserts of deltas, so concurrent writes commute):
-- statement-level triggers on stock_movements and order_items (both
-- append-only) and on orders (status changes) add each change on day x to
-- the product's day row and to its rows of every closed week end >= x. A write today touches
-- no row until its week is closed; a back-dated one, or the cancellation of
-- an old order, at most one row per week since.
--
-- product_stock_weeks_close() adds the weeks ended since `through`, from
-- the previous week's rows and that week's day rows. It runs under an
-- exclusive advisory lock that each write's trigger holds shared until it
-- commits, so no write is half counted; it only tries the lock, and gives
-- up (returns false) while writes are in flight. The turnover reader calls
-- it when a week has ended since. A change of business time zone rebuilds
-- everything; rebuild_product_stock_weeks() recomputes it from the base
-- tables and closes up to the last week end.

CREATE TABLE product_stock_weeks (
    week_end       date          NOT NULL,
    product_id     bigint        NOT NULL REFERENCES products (id),
    stock          bigint        NOT NULL,
    delta_day_sum  bigint        NOT NULL,
    sold_qty       bigint        NOT NULL,
    cogs           numeric(12,2) NOT NULL,
    PRIMARY KEY (week_end, product_id)
);

CREATE TABLE product_stock_days (
    day           date          NOT NULL,
    product_id    bigint        NOT NULL REFERENCES products (id),
    stock_delta   bigint        NOT NULL,
    sold_qty      bigint        NOT NULL,
    cogs          numeric(12,2) NOT NULL,
    PRIMARY KEY (day, product_id)
);
-- Whether an inactive product moved since a day.
CREATE INDEX product_stock_days_product_day_idx ON product_stock_days (product_id, day);

CREATE TABLE product_stock_weeks_closed (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    through    date      -- the last week end with rows; NULL: none yet
);
INSERT INTO product_stock_weeks_closed DEFAULT VALUES;

-- The Sunday on or before a day.
CREATE FUNCTION product_stock_week_end(day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT day - CAST(extract(isodow FROM day) AS integer) % 7
$$;

-- Changes (one entry per product and day) added to their day and to every
-- closed week end on or after it. Entries with all-zero changes still create their rows
-- (items of an order entered as cancelled), as the rebuild does.
CREATE FUNCTION product_stock_weeks_add(
    product_ids bigint[], days date[], stock_deltas bigint[], sold_deltas bigint[], cogs_deltas numeric[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    closed date;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(248250377);  -- see product_stock_weeks_close
    SELECT through INTO closed FROM product_stock_weeks_closed;
    INSERT INTO product_stock_days AS t (day, product_id, stock_delta, sold_qty, cogs)
    SELECT c.day, c.product_id, sum(c.stock), sum(c.sold), sum(c.cogs)
      FROM unnest(product_ids, days, stock_deltas, sold_deltas, cogs_deltas)
           AS c (product_id, day, stock, sold, cogs)
     GROUP BY 1, 2
     ORDER BY 1, 2
    ON CONFLICT (day, product_id) DO UPDATE
       SET stock_delta = t.stock_delta + EXCLUDED.stock_delta, sold_qty = t.sold_qty + EXCLUDED.sold_qty,
           cogs = t.cogs + EXCLUDED.cogs;
    INSERT INTO product_stock_weeks AS t (week_end, product_id, stock, delta_day_sum, sold_qty, cogs)
    SELECT CAST(w.week_end AS date), c.product_id, sum(c.stock), sum(c.stock * (c.day - DATE '2000-01-01')),
           sum(c.sold), sum(c.cogs)
      FROM unnest(product_ids, days, stock_deltas, sold_deltas, cogs_deltas)
           AS c (product_id, day, stock, sold, cogs)
     CROSS JOIN LATERAL generate_series(product_stock_week_end(c.day + 6), closed, interval '7 days') AS w (week_end)
     GROUP BY 1, 2
     ORDER BY 1, 2  -- the same lock order in every transaction
    ON CONFLICT (week_end, product_id) DO UPDATE
       SET stock = t.stock + EXCLUDED.stock, delta_day_sum = t.delta_day_sum + EXCLUDED.delta_day_sum,
           sold_qty = t.sold_qty + EXCLUDED.sold_qty, cogs = t.cogs + EXCLUDED.cogs;
END $$;

CREATE FUNCTION product_stock_weeks_on_movements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_stock_weeks_add(
        array_agg(m.product_id), array_agg(m.day), array_agg(m.delta),
        array_agg(CAST(0 AS bigint)), array_agg(CAST(0 AS numeric)))
      FROM (SELECT n.product_id, (n.at AT TIME ZONE bc.timezone)::date AS day, sum(n.quantity_delta) AS delta
              FROM new_movements AS n CROSS JOIN business_calendar AS bc
             GROUP BY 1, 2) AS m;
    RETURN NULL;
END $$;
CREATE TRIGGER product_stock_weeks_on_movements
    AFTER INSERT ON stock_movements
    REFERENCING NEW TABLE AS new_movements
    FOR EACH STATEMENT EXECUTE FUNCTION product_stock_weeks_on_movements();

-- Items of a placed order are booked; items of an order entered cancelled
-- only mark their day.
CREATE FUNCTION product_stock_weeks_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_stock_weeks_add(
        array_agg(b.product_id), array_agg(b.day), array_agg(CAST(0 AS bigint)), array_agg(b.sold),
        array_agg(b.cogs))
      FROM (SELECT i.product_id, (o.placed_at AT TIME ZONE bc.timezone)::date AS day,
                   coalesce(sum(i.quantity) FILTER (WHERE o.status = 'placed'), 0) AS sold,
                   coalesce(sum(i.quantity * i.unit_cost) FILTER (WHERE o.status = 'placed'), 0) AS cogs
              FROM new_items AS i JOIN orders AS o ON o.id = i.order_id CROSS JOIN business_calendar AS bc
             GROUP BY 1, 2) AS b;
    RETURN NULL;
END $$;
CREATE TRIGGER product_stock_weeks_on_items
    AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION product_stock_weeks_on_items();

-- A status change (cancelled, or placed again) takes the order's items out
-- of, or back into, the day it was placed.
CREATE FUNCTION product_stock_weeks_on_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_stock_weeks_add(
        array_agg(b.product_id), array_agg(b.day), array_agg(CAST(0 AS bigint)), array_agg(b.sold),
        array_agg(b.cogs))
      FROM (SELECT i.product_id, (s.placed_at AT TIME ZONE bc.timezone)::date AS day,
                   sum(s.sign * i.quantity) AS sold, sum(s.sign * i.quantity * i.unit_cost) AS cogs
              FROM (SELECT n.id, n.placed_at, CASE n.status WHEN 'placed' THEN 1 ELSE -1 END AS sign
                      FROM new_orders AS n JOIN old_orders AS o USING (id)
                     WHERE (o.status = 'placed') <> (n.status = 'placed')) AS s
              JOIN order_items AS i ON i.order_id = s.id
             CROSS JOIN business_calendar AS bc
             GROUP BY 1, 2) AS b;
    RETURN NULL;
END $$;
CREATE TRIGGER product_stock_weeks_on_order_status
    AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION product_stock_weeks_on_order_status();

-- Empty and refill from the base tables (stock_movements, order_items,
-- orders, business_calendar): the day rows, then the weeks up to the last
-- week end as running sums of them.
CREATE FUNCTION rebuild_product_stock_weeks() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    closed date;
BEGIN
    PERFORM pg_advisory_xact_lock(248250377);
    SELECT product_stock_week_end(CAST(now() AT TIME ZONE timezone AS date)) INTO closed FROM business_calendar;
    TRUNCATE product_stock_weeks, product_stock_days;
    UPDATE product_stock_weeks_closed SET through = closed;
    INSERT INTO product_stock_days (day, product_id, stock_delta, sold_qty, cogs)
    SELECT day, product_id, sum(stock), sum(sold), sum(cogs)
      FROM (SELECT m.product_id, (m.at AT TIME ZONE bc.timezone)::date AS day,
                   m.quantity_delta AS stock, 0 AS sold, 0 AS cogs
              FROM stock_movements AS m CROSS JOIN business_calendar AS bc
            UNION ALL
            SELECT i.product_id, (o.placed_at AT TIME ZONE bc.timezone)::date, 0,
                   CASE WHEN o.status = 'placed' THEN i.quantity ELSE 0 END,
                   CASE WHEN o.status = 'placed' THEN i.quantity * i.unit_cost ELSE 0 END
              FROM order_items AS i JOIN orders AS o ON o.id = i.order_id
             CROSS JOIN business_calendar AS bc) AS facts
     GROUP BY 1, 2
     ORDER BY 1, 2;
    INSERT INTO product_stock_weeks (week_end, product_id, stock, delta_day_sum, sold_qty, cogs)
    WITH weekly AS (
        SELECT product_id, product_stock_week_end(day + 6) AS week_end, sum(stock_delta) AS stock,
               sum(stock_delta * (day - DATE '2000-01-01')) AS delta_day_sum, sum(sold_qty) AS sold,
               sum(cogs) AS cogs
          FROM product_stock_days GROUP BY 1, 2
    ), grid AS (
        SELECT f.product_id, CAST(g.week_end AS date) AS week_end
          FROM (SELECT product_id, min(week_end) AS first FROM weekly GROUP BY 1) AS f
         CROSS JOIN LATERAL generate_series(f.first, closed, interval '7 days') AS g (week_end)
    )
    SELECT g.week_end, g.product_id,
           sum(coalesce(w.stock, 0)) OVER p, sum(coalesce(w.delta_day_sum, 0)) OVER p,
           sum(coalesce(w.sold, 0)) OVER p, sum(coalesce(w.cogs, 0)) OVER p
      FROM grid AS g LEFT JOIN weekly AS w USING (product_id, week_end)
    WINDOW p AS (PARTITION BY g.product_id ORDER BY g.week_end)
     ORDER BY 1, 2;
END $$;

-- Add the weeks ended since `through`: each from the week before's rows
-- plus that week's day rows. False when writes were in flight
-- (their triggers hold the lock shared): nothing was done, try again later.
CREATE FUNCTION product_stock_weeks_close() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    closed date;
    target date;
BEGIN
    SELECT product_stock_week_end(CAST(now() AT TIME ZONE timezone AS date)) INTO target FROM business_calendar;
    SELECT through INTO closed FROM product_stock_weeks_closed;
    IF closed >= target THEN
        RETURN true;
    END IF;
    IF NOT pg_try_advisory_xact_lock(248250377) THEN
        RETURN false;
    END IF;
    SELECT through INTO closed FROM product_stock_weeks_closed;  -- as committed before the lock
    IF closed IS NULL THEN
        PERFORM rebuild_product_stock_weeks();
        RETURN true;
    END IF;
    WHILE closed < target LOOP
        INSERT INTO product_stock_weeks (week_end, product_id, stock, delta_day_sum, sold_qty, cogs)
        SELECT closed + 7, product_id, sum(stock), sum(delta_day_sum), sum(sold), sum(cogs)
          FROM (SELECT product_id, stock, delta_day_sum, sold_qty AS sold, cogs
                  FROM product_stock_weeks WHERE week_end = closed
                UNION ALL
                SELECT product_id, stock_delta, stock_delta * (day - DATE '2000-01-01'), sold_qty, cogs
                  FROM product_stock_days WHERE day > closed AND day <= closed + 7) AS f
         GROUP BY product_id
         ORDER BY product_id;
        closed := closed + 7;
    END LOOP;
    UPDATE product_stock_weeks_closed SET through = closed;
    RETURN true;
END $$;

CREATE FUNCTION product_stock_weeks_on_timezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_product_stock_weeks();
    RETURN NULL;
END $$;
CREATE TRIGGER product_stock_weeks_on_timezone
    AFTER UPDATE ON business_calendar
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION product_stock_weeks_on_timezone();

SELECT rebuild_product_stock_weeks();

-- A write's statements here touch a few rows but may be estimated large
-- enough to cross jit_above_cost, and LLVM compilation costs about 20 ms a
-- statement (see 006-008): off for the trigger side.
ALTER FUNCTION product_stock_weeks_add(bigint[], date[], bigint[], bigint[], numeric[]) SET jit = off;

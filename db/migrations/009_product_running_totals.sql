-- Running totals per product, for turnover over any range without reading
-- the range's days.
--
-- One row per product and business day on which the product had a stock
-- movement or an order item (of an order in any status), holding the totals
-- from the beginning up to the end of that day:
--   stock          units on hand: the sum of its movements;
--   delta_day_sum  the sum of each movement's quantity_delta x (its day -
--                  2000-01-01), so that, with stock, the stock-days of any
--                  range come from two rows: sum over a range's movements
--                  of delta x (day - start) = delta_day_sum difference -
--                  (start - 2000-01-01) x stock difference;
--   sold_qty, cogs units booked and their cost (items of placed orders, at
--                  the items' unit cost, on the day the order was placed;
--                  a cancellation takes them back out of that day).
-- The totals at any day are those of the product's last row on or before
-- it (none: all zero), so a range [start, end] needs the last row before
-- start and the last row up to end: two index probes per product, whatever
-- the range's length.
--
-- Kept by statement-level triggers on stock_movements and order_items
-- (both append-only) and on orders (status changes), in the transaction of
-- the write: a change on day d adds to the product's row of day d (created
-- from the previous row if missing) and to every later row of that product.
-- Writes happen today in practice, so that is one row; a back-dated write or
-- the cancellation of an old order rewrites the product's later rows (at
-- most one per day since). A change of business time zone rebuilds the table.
-- rebuild_product_running_totals() recomputes it from the base tables.

CREATE TABLE product_running_totals (
    product_id     bigint        NOT NULL REFERENCES products (id),
    day            date          NOT NULL,
    stock          bigint        NOT NULL,
    delta_day_sum  bigint        NOT NULL,
    sold_qty       bigint        NOT NULL,
    cogs           numeric(12,2) NOT NULL,
    PRIMARY KEY (product_id, day)
);

-- Add changes (one entry per product and day, any number of entries per
-- product) to the totals: a row for each new day, carrying the totals of the
-- product's previous row, then each change added to its day and every later
-- day of its product. Entries with all-zero changes still create their row.
CREATE FUNCTION product_running_totals_add(
    product_ids bigint[], days date[], stock_deltas bigint[], sold_deltas bigint[], cogs_deltas numeric[]
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_running_totals (product_id, day, stock, delta_day_sum, sold_qty, cogs)
    SELECT c.product_id, c.day, coalesce(prev.stock, 0), coalesce(prev.delta_day_sum, 0),
           coalesce(prev.sold_qty, 0), coalesce(prev.cogs, 0)
      FROM (SELECT DISTINCT u.product_id, u.day FROM unnest(product_ids, days) AS u (product_id, day)) AS c
      LEFT JOIN LATERAL (
            SELECT r.stock, r.delta_day_sum, r.sold_qty, r.cogs FROM product_running_totals AS r
             WHERE r.product_id = c.product_id AND r.day < c.day
             ORDER BY r.day DESC LIMIT 1) AS prev ON true
    ON CONFLICT (product_id, day) DO NOTHING;

    WITH changes AS (
        SELECT u.product_id, u.day, sum(u.stock) AS stock, sum(u.sold) AS sold, sum(u.cogs) AS cogs
          FROM unnest(product_ids, days, stock_deltas, sold_deltas, cogs_deltas)
               AS u (product_id, day, stock, sold, cogs)
         GROUP BY 1, 2
        HAVING sum(u.stock) <> 0 OR sum(u.sold) <> 0 OR sum(u.cogs) <> 0
    ), firsts AS (
        SELECT product_id, min(day) AS day FROM changes GROUP BY 1
    ), increments AS (
        SELECT r.product_id, r.day,
               sum(coalesce(c.stock, 0)) OVER w AS stock,
               sum(coalesce(c.stock * (c.day - DATE '2000-01-01'), 0)) OVER w AS delta_day_sum,
               sum(coalesce(c.sold, 0)) OVER w AS sold_qty,
               sum(coalesce(c.cogs, 0)) OVER w AS cogs
          FROM firsts AS f
          JOIN product_running_totals AS r ON r.product_id = f.product_id AND r.day >= f.day
          LEFT JOIN changes AS c ON c.product_id = r.product_id AND c.day = r.day
        WINDOW w AS (PARTITION BY r.product_id ORDER BY r.day)
    )
    UPDATE product_running_totals AS t
       SET stock = t.stock + i.stock, delta_day_sum = t.delta_day_sum + i.delta_day_sum,
           sold_qty = t.sold_qty + i.sold_qty, cogs = t.cogs + i.cogs
      FROM increments AS i
     WHERE t.product_id = i.product_id AND t.day = i.day;
END $$;

CREATE FUNCTION product_running_totals_on_movements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_running_totals_add(
        array_agg(m.product_id), array_agg(m.day), array_agg(m.delta),
        array_agg(CAST(0 AS bigint)), array_agg(CAST(0 AS numeric)))
      FROM (SELECT n.product_id, (n.at AT TIME ZONE bc.timezone)::date AS day, sum(n.quantity_delta) AS delta
              FROM new_movements AS n CROSS JOIN business_calendar AS bc
             GROUP BY 1, 2) AS m;
    RETURN NULL;
END $$;
CREATE TRIGGER product_running_totals_on_movements
    AFTER INSERT ON stock_movements
    REFERENCING NEW TABLE AS new_movements
    FOR EACH STATEMENT EXECUTE FUNCTION product_running_totals_on_movements();

-- Items of a placed order are booked; items of an order inserted cancelled
-- only mark their day (the rebuild gives them a row too).
CREATE FUNCTION product_running_totals_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_running_totals_add(
        array_agg(b.product_id), array_agg(b.day), array_agg(CAST(0 AS bigint)), array_agg(b.sold),
        array_agg(b.cogs))
      FROM (SELECT i.product_id, (o.placed_at AT TIME ZONE bc.timezone)::date AS day,
                   coalesce(sum(i.quantity) FILTER (WHERE o.status = 'placed'), 0) AS sold,
                   coalesce(sum(i.quantity * i.unit_cost) FILTER (WHERE o.status = 'placed'), 0) AS cogs
              FROM new_items AS i JOIN orders AS o ON o.id = i.order_id CROSS JOIN business_calendar AS bc
             GROUP BY 1, 2) AS b;
    RETURN NULL;
END $$;
CREATE TRIGGER product_running_totals_on_items
    AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION product_running_totals_on_items();

-- A status change (cancelled, or placed again) takes the order's items out
-- of, or back into, the day it was placed.
CREATE FUNCTION product_running_totals_on_order_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_running_totals_add(
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
CREATE TRIGGER product_running_totals_on_order_status
    AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders
    FOR EACH STATEMENT EXECUTE FUNCTION product_running_totals_on_order_status();

-- Empty and refill from the base tables: stock_movements, order_items,
-- orders, business_calendar.
CREATE FUNCTION rebuild_product_running_totals() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE product_running_totals;
    INSERT INTO product_running_totals (product_id, day, stock, delta_day_sum, sold_qty, cogs)
    SELECT product_id, day,
           sum(sum(stock)) OVER w,
           sum(sum(stock) * (day - DATE '2000-01-01')) OVER w,
           sum(sum(sold)) OVER w,
           sum(sum(cogs)) OVER w
      FROM (SELECT m.product_id, (m.at AT TIME ZONE bc.timezone)::date AS day,
                   m.quantity_delta AS stock, 0 AS sold, 0 AS cogs
              FROM stock_movements AS m CROSS JOIN business_calendar AS bc
            UNION ALL
            SELECT i.product_id, (o.placed_at AT TIME ZONE bc.timezone)::date, 0,
                   CASE WHEN o.status = 'placed' THEN i.quantity ELSE 0 END,
                   CASE WHEN o.status = 'placed' THEN i.quantity * i.unit_cost ELSE 0 END
              FROM order_items AS i JOIN orders AS o ON o.id = i.order_id
             CROSS JOIN business_calendar AS bc) AS facts
     GROUP BY product_id, day
    WINDOW w AS (PARTITION BY product_id ORDER BY day);
END $$;

CREATE FUNCTION product_running_totals_on_timezone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_product_running_totals();
    RETURN NULL;
END $$;
CREATE TRIGGER product_running_totals_on_timezone
    AFTER UPDATE ON business_calendar
    FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone)
    EXECUTE FUNCTION product_running_totals_on_timezone();

SELECT rebuild_product_running_totals();

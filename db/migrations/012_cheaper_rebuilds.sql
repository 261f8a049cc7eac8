-- Cheaper rebuilds of the derived data, for the bulk seed (workflow.demo.load)
-- at 1M orders; the rows they write are the same.
--
-- The payment-state rollups (007) are rebuilt together: the orders that
-- need attention are found once (payment_states_from_base, about 91,000 of
-- 1M orders), and the categories are read for those orders only, where
-- rebuild_category_payment_states_daily found them again and took the
-- distinct (order, category) pairs of all 3M items (a hash of 2.6M pairs):
-- 17 s and 8 s at 1M orders for the two.
--
-- Per-order and per-day sums are grouped by sorting, not hashing, and joined
-- by merging, not hashing: at 1M orders a hash of a million groups of
-- NUMERIC sums takes about 450 MB and is slow to fill; a freshly loaded
-- table is in id order (order_items in order_id order), so an index scan
-- gives the groups already sorted and merge joins keep that order.

-- The time zone trigger rebuilds both through the one function.
CREATE OR REPLACE FUNCTION payment_states_on_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_payment_states();
    RETURN NULL;
END $$;

DROP FUNCTION rebuild_payment_states_daily();
DROP FUNCTION rebuild_category_payment_states_daily();

-- payment_states_daily and category_payment_states_daily from the base
-- tables: the attention orders once, each counted in its country's rows and
-- once in each category it has an item of.
CREATE FUNCTION rebuild_payment_states() RETURNS void LANGUAGE plpgsql
SET enable_hashagg = off SET enable_hashjoin = off AS $$
BEGIN
    TRUNCATE payment_states_daily, category_payment_states_daily;
    WITH attention AS MATERIALIZED (
        SELECT * FROM payment_states_from_base()
    ), by_country AS (
        INSERT INTO payment_states_daily (day, country, due_day, bucket, orders, balance_due)
        SELECT day, country, due_day, bucket, count(*), sum(balance_due)
          FROM attention GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    )
    INSERT INTO category_payment_states_daily (category, day, country, due_day, bucket, orders, balance_due)
    SELECT k.category, s.day, s.country, s.due_day, s.bucket, count(*), sum(s.balance_due)
      FROM attention AS s
     CROSS JOIN LATERAL (SELECT DISTINCT p.category
                           FROM order_items AS i JOIN products AS p ON p.id = i.product_id
                          WHERE i.order_id = s.order_id) AS k
     GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
END $$;

-- Placed orders and their items' revenue by local day placed and customer
-- country, in one pass: each order's total from its items (grouped in
-- order_id order), where 005 joined orders to customers twice, once for the
-- counts and once more for every item (1M copy, backend CPU 4.3 -> 2.9 s).
CREATE OR REPLACE FUNCTION rebuild_orders_daily() RETURNS void LANGUAGE plpgsql
SET enable_hashagg = off SET enable_hashjoin = off AS $$
DECLARE
    tz text := (SELECT timezone FROM business_calendar);
BEGIN
    TRUNCATE orders_daily;
    INSERT INTO orders_daily (day, country, order_count, revenue)
    SELECT (o.placed_at AT TIME ZONE tz)::date, c.country, count(*), coalesce(sum(t.total), 0)
      FROM orders AS o
      JOIN customers AS c ON c.id = o.customer_id
      LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS total
                   FROM order_items GROUP BY order_id) AS t ON t.order_id = o.id
     WHERE o.status = 'placed'
     GROUP BY 1, 2
     ORDER BY 1, 2;
END $$;

-- Merge joins instead of hash joins of a million rows (1M copy, backend CPU:
-- order_balances 4.0 -> 3.5 s, product_daily 8.0 -> 6.4 s, product_stock_weeks
-- 11.1 -> 8.9 s, which also groups by sorting: its hash of 1.2M product days
-- with NUMERIC cost sums spilled to disk).
ALTER FUNCTION rebuild_order_balances() SET enable_hashjoin = off;
ALTER FUNCTION rebuild_product_daily() SET enable_hashjoin = off;
ALTER FUNCTION rebuild_product_stock_weeks() SET enable_hashagg = off SET enable_hashjoin = off;

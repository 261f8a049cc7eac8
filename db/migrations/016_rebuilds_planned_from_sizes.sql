-- The shipment rollups' rebuild and the time-zone rebuilds planned from
-- true sizes (issue 9, the 1M-order seed).
--
-- business_calendar is one row, but a table never analysed is planned as
-- ten pages of rows: 1,330 for it. Every rebuild that cross-joins it
-- (shipment facts, product_stock_days) was planned for 1,330 times its rows
-- (1.3 billion facts at 1M orders): a Materialize rescanned per row, sorts
-- costed past jit_above_cost and compiled with inlining. autovacuum never
-- analyses it (one row, below its threshold), so it is analysed here, once:
-- a singleton keeps that size.
--
-- shipment_keys is filled by the rebuild itself (a seed's first rebuild
-- adds every country and category in its transaction), so it is analysed
-- there, after the keys are added: estimated at one category slot, the
-- facts' statement looked the slots' products up by index and every one of
-- their items by order_items_product_idx (5,000 index scans, 3M rows read
-- in product order) where, analysed, it hashes products and scans the items
-- once. Same rows written; only the line after the keys are added is new.
ANALYZE business_calendar;


-- Empty and refill the per-shipment tables from the base tables (shipments,
-- shipment_events, orders, customers, order_items, products,
-- business_calendar), then count them, each key by one FILTER count (a
-- count per country and per category slot), days and weeks in one pass. The
-- tables' indexes are set aside while they are filled and built after (a
-- bulk seed that set them aside itself builds them). Spans are written in
-- (stage, band, day) order, the order the median reads them in; counts in
-- key order.
CREATE OR REPLACE FUNCTION rebuild_shipment_rollups() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tables CONSTANT regclass[] := ARRAY['shipment_facts', 'shipment_spans', 'shipment_status_daily',
                                        'shipment_stage_bands'];
    aside text[];  -- ADD CONSTRAINT / CREATE INDEX statements to run after the fill
    categories text[];
    per_country text;  -- ARRAY[count(*) FILTER (WHERE country = 'AT'), ...] by slot
    per_category text;  -- ARRAY[count(*) FILTER (WHERE 1 = ANY(categories)), ...] by slot
    statement text;
BEGIN
    PERFORM shipment_keys_add('category', ARRAY(SELECT DISTINCT category FROM products));
    PERFORM shipment_keys_add('country', ARRAY(SELECT DISTINCT CAST(country AS text) FROM customers));
    ANALYZE shipment_keys;  -- the statements below join it; a seed's first rebuild has just filled it
    SELECT format('CAST(ARRAY[%s] AS integer[])',
                  string_agg(format('count(*) FILTER (WHERE country = %L)', name), ', ' ORDER BY slot))
      INTO per_country FROM shipment_keys WHERE kind = 'country';
    SELECT array_agg(name ORDER BY slot),
           format('CAST(ARRAY[%s] AS integer[])',
                  string_agg(format('count(*) FILTER (WHERE %s = ANY(categories))', slot), ', ' ORDER BY slot))
      INTO categories, per_category FROM shipment_keys WHERE kind = 'category';
    categories := coalesce(categories, '{}');

    TRUNCATE shipment_facts, shipment_spans, shipment_status_daily, shipment_stage_bands;
    SELECT array_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                            pg_get_constraintdef(oid)))
      INTO aside FROM pg_constraint WHERE conrelid = ANY(tables) AND contype IN ('p', 'u');
    FOR statement IN SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
                       FROM pg_constraint WHERE conrelid = ANY(tables) AND contype IN ('p', 'u') LOOP
        EXECUTE statement;
    END LOOP;
    aside := coalesce(aside, '{}') || ARRAY(SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY(tables));
    FOR statement IN SELECT format('DROP INDEX %s', indexrelid::regclass) FROM pg_index WHERE indrelid = ANY(tables) LOOP
        EXECUTE statement;
    END LOOP;

    -- Each order's category slots, ascending, by grouping its items in
    -- order (sorted, or read in order from order_items_order_idx): cheaper
    -- than hashing 1M groups. The facts are written in shipment order, so that the spans
    -- below merge with them instead of hashing them.
    PERFORM set_config('enable_hashagg', 'off', true);
    INSERT INTO shipment_facts (shipment_id, day, country, categories, status)
    SELECT s.id, CAST(o.placed_at AT TIME ZONE bc.timezone AS date), c.country, coalesce(k.categories, '{}'), s.status
      FROM shipments AS s
      JOIN orders AS o ON o.id = s.order_id
      JOIN customers AS c ON c.id = o.customer_id
     CROSS JOIN business_calendar AS bc
      LEFT JOIN (SELECT i.order_id, array_agg(DISTINCT m.slot ORDER BY m.slot) AS categories
                   FROM order_items AS i
                   JOIN (SELECT p.id, k.slot
                           FROM products AS p JOIN shipment_keys AS k ON k.kind = 'category' AND k.name = p.category) AS m
                     ON m.id = i.product_id
                  GROUP BY i.order_id) AS k ON k.order_id = s.order_id
     ORDER BY s.id;
    PERFORM set_config('enable_hashagg', 'on', true);
    ANALYZE shipment_facts;  -- the spans join below plans from its size

    PERFORM set_config('enable_hashjoin', 'off', true);  -- the window's spans come in shipment order

    INSERT INTO shipment_spans (shipment_id, event_id, stage, spent_us, band, day, country, categories)
    SELECT n.shipment_id, n.event_id, n.stage, n.spent_us, n.band, f.day, f.country, f.categories
      FROM shipment_spans_now AS n JOIN shipment_facts AS f USING (shipment_id)
     ORDER BY shipment_span_order(n.stage, n.band, f.day);
    PERFORM set_config('enable_hashjoin', 'on', true);

    EXECUTE format($sql$
        INSERT INTO shipment_status_daily (country, category, day, status, shipments)
        WITH by_country AS (
            SELECT CAST(country AS text) AS country, day, status, count(*) AS shipments
              FROM shipment_facts GROUP BY country, day, status
        ), by_category AS (
            SELECT day, status, count(*) AS shipments, %s AS per_category
              FROM shipment_facts GROUP BY day, status
        )
        SELECT country, category, day, status, shipments
          FROM (SELECT country, '' AS category, day, status, shipments FROM by_country
                 UNION ALL
                SELECT '', '', day, status, shipments FROM by_category
                 UNION ALL
                SELECT '', c.category, b.day, b.status, c.shipments
                  FROM by_category AS b CROSS JOIN LATERAL unnest(b.per_category, $1) AS c (shipments, category)
                 WHERE c.shipments > 0) AS keyed
         ORDER BY country, category, day, status
    $sql$, per_category) USING categories;

    EXECUTE format($sql$
        INSERT INTO shipment_stage_bands (days, start, stage, band, spans, by_country, by_category)
        SELECT CAST(CASE WHEN GROUPING(day) = 0 THEN 1 ELSE 7 END AS smallint), coalesce(day, week), stage, band,
               count(*), %s, %s
          FROM (SELECT day, shipment_week(day) AS week, stage, band, country, categories FROM shipment_spans) AS s
         GROUP BY GROUPING SETS ((day, stage, band), (week, stage, band))
         ORDER BY 1, 2, 3, 4
    $sql$, per_country, per_category);

    FOREACH statement IN ARRAY aside LOOP
        EXECUTE statement;
    END LOOP;
END $$;
-- As in 011 (CREATE OR REPLACE resets a function's settings): its
-- statements sort and hash millions of rows at 1M orders (the server
-- default of 4 MB would spill them to disk); it runs once per seed or
-- time-zone change.
ALTER FUNCTION rebuild_shipment_rollups() SET work_mem = '512MB';
ALTER FUNCTION rebuild_shipment_rollups() SET maintenance_work_mem = '512MB';
-- The plan choices it makes for two statements end with it.
ALTER FUNCTION rebuild_shipment_rollups() SET enable_hashagg = on;
ALTER FUNCTION rebuild_shipment_rollups() SET enable_hashjoin = on;

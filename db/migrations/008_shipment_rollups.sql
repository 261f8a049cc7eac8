-- Shipment rollups for the dashboard's shipments panel (issue 9): status
-- counts and the exact median time spent in each stage, for the shipments
-- of orders placed in a range of business days, narrowed by the customer's
-- country and by category (orders holding an item of it).
--
-- Four derived tables, kept by the triggers below in the transaction of
-- each write, rebuilt from the base tables by rebuild_shipment_rollups():
--
-- shipment_facts         one row per shipment as it is counted: the order's
--                        placed business day, the customer's country, the
--                        order's categories and the shipment's status.
-- shipment_spans         one row per stage a shipment has left (an event
--                        followed by another, ordered by (at, id)): the
--                        time spent, in a band of about 10 % width, with
--                        the shipment's day, country and categories, so the
--                        spans of one band over a range are one index range.
-- shipment_status_daily  shipments per status and placed day.
-- shipment_stage_bands   spans per stage and band, per placed day (days = 1)
--                        and per ISO week (days = 7, start = its Monday).
--
-- The two counting tables are keyed by country and category, where '' means
-- every country or every category: ('', ''), (country, ''), ('', category),
-- one row each per shipment or span and key (a shipment counts once under
-- each category its order holds). A range with both a country and a
-- category reads shipment_facts and shipment_spans instead.
--
-- The median of a stage is exact: the band counts over the range give, per
-- stage, the band holding the middle span(s) and their rank in it; the spans
-- of that band are read from shipment_spans and interpolated as
-- percentile_cont(0.5) does. Counts may hold rows at zero after moves. The
-- counts carry no CHECK (>= 0): an upsert checks its proposed row (a
-- difference, often -1) before it finds the row it updates.

-- Band limits in seconds: 60 s times 1.1^k, rounded; band 0 is under 60 s.
-- width_bucket compares exactly, so a longer span never lands in a lower band.
CREATE FUNCTION shipment_band(seconds double precision) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CAST(width_bucket(seconds, CAST('{
    60,66,73,80,88,97,106,117,129,141,156,171,188,207,228,251,276,303,334,367,404,444,488,537,
    591,650,715,787,865,952,1047,1152,1267,1394,1533,1686,1855,2040,2244,2469,2716,2987,3286,
    3614,3976,4373,4811,5292,5821,6403,7043,7748,8523,9375,10312,11344,12478,13726,15098,16608,
    18269,20096,22105,24316,26747,29422,32364,35601,39161,43077,47385,52123,57336,63069,69376,
    76314,83945,92340,101574,111731,122904,135194,148714,163585,179944,197938,217732,239505,
    263456,289801,318781,350659,385725,424298,466728,513401,564741,621215,683336,751670,826837,
    909520,1000472,1100520,1210572,1331629,1464792,1611271,1772398,1949638,2144602,2359062,
    2594968,2854465,3139911,3453902,3799292,4179222,4597144,5056858
    }' AS double precision[])) AS smallint)
$$;

CREATE TABLE shipment_facts (
    shipment_id  bigint  PRIMARY KEY,
    day          date    NOT NULL,
    country      char(2) NOT NULL,
    categories   text[]  NOT NULL,
    status       text    NOT NULL
);
-- Both a country and a category: the country's shipments of the range.
CREATE INDEX shipment_facts_country_day_idx ON shipment_facts (country, day) INCLUDE (categories, status);

CREATE TABLE shipment_spans (
    shipment_id  bigint           NOT NULL,
    event_id     bigint           NOT NULL,
    stage        text             NOT NULL,
    spent        interval         NOT NULL,
    band         smallint         NOT NULL,
    day          date             NOT NULL,
    country      char(2)          NOT NULL,
    categories   text[]           NOT NULL,
    PRIMARY KEY (shipment_id, event_id)
);
-- The spans of one band over a range of days, read without the heap.
CREATE INDEX shipment_spans_band_idx ON shipment_spans (stage, band, day) INCLUDE (country, categories, spent);

CREATE TABLE shipment_status_daily (
    country    text    NOT NULL,
    category   text    NOT NULL,
    day        date    NOT NULL,
    status     text    NOT NULL,
    shipments  integer NOT NULL,
    PRIMARY KEY (country, category, day, status)
);

CREATE TABLE shipment_stage_bands (
    country   text     NOT NULL,
    category  text     NOT NULL,
    days      smallint NOT NULL CHECK (days IN (1, 7)),
    start     date     NOT NULL,
    stage     text     NOT NULL,
    band      smallint NOT NULL,
    spans     integer  NOT NULL,
    PRIMARY KEY (country, category, days, start, stage, band)
);

-- The keys a shipment or span is counted under.
CREATE FUNCTION shipment_rollup_keys(ship_country char(2), ship_categories text[])
RETURNS TABLE (country text, category text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '', '' UNION ALL SELECT $1, '' UNION ALL SELECT '', unnest($2)
$$;

-- Each shipment as it is now, from the base tables.
CREATE VIEW shipment_facts_now AS
SELECT s.id AS shipment_id, CAST(o.placed_at AT TIME ZONE bc.timezone AS date) AS day, c.country,
       ARRAY(SELECT DISTINCT p.category FROM order_items AS i JOIN products AS p ON p.id = i.product_id
              WHERE i.order_id = s.order_id ORDER BY 1) AS categories,
       s.status
  FROM shipments AS s
  JOIN orders AS o ON o.id = s.order_id
  JOIN customers AS c ON c.id = o.customer_id
 CROSS JOIN business_calendar AS bc;

-- Each stage left, as it is now: the time from an event to the shipment's
-- next one (the raw figure's lead() over (at, id)).
CREATE VIEW shipment_spans_now AS
SELECT shipment_id, event_id, stage, spent, shipment_band(CAST(extract(epoch FROM spent) AS double precision)) AS band
  FROM (SELECT e.shipment_id, e.id AS event_id, e.status AS stage,
               lead(e.at) OVER (PARTITION BY e.shipment_id ORDER BY e.at, e.id) - e.at AS spent
          FROM shipment_events AS e) AS spans
 WHERE spent IS NOT NULL;

-- Recount the given shipments' facts (status, day, country, categories):
-- take out what was counted, put in what is now, and add the difference.
CREATE FUNCTION shipment_rollups_refresh_facts(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH old AS (
        DELETE FROM shipment_facts WHERE shipment_id = ANY(ids)
        RETURNING day, country, categories, status, -1 AS n
    ), new AS (
        INSERT INTO shipment_facts (shipment_id, day, country, categories, status)
        SELECT shipment_id, day, country, categories, status FROM shipment_facts_now WHERE shipment_id = ANY(ids)
        RETURNING day, country, categories, status, 1 AS n
    )
    INSERT INTO shipment_status_daily AS t (country, category, day, status, shipments)
    SELECT k.country, k.category, d.day, d.status, sum(d.n)
      FROM (SELECT * FROM old UNION ALL SELECT * FROM new) AS d
     CROSS JOIN LATERAL shipment_rollup_keys(d.country, d.categories) AS k
     GROUP BY 1, 2, 3, 4
    HAVING sum(d.n) <> 0
    ON CONFLICT (country, category, day, status) DO UPDATE SET shipments = t.shipments + EXCLUDED.shipments
$$;

-- Recount the given shipments' spans (after their facts are current).
CREATE FUNCTION shipment_rollups_refresh_spans(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    WITH old AS (
        DELETE FROM shipment_spans WHERE shipment_id = ANY(ids)
        RETURNING day, country, categories, stage, band, -1 AS n
    ), new AS (
        INSERT INTO shipment_spans (shipment_id, event_id, stage, spent, band, day, country, categories)
        SELECT n.shipment_id, n.event_id, n.stage, n.spent, n.band, f.day, f.country, f.categories
          FROM shipment_spans_now AS n JOIN shipment_facts AS f USING (shipment_id)
         WHERE n.shipment_id = ANY(ids)
        RETURNING day, country, categories, stage, band, 1 AS n
    )
    INSERT INTO shipment_stage_bands AS t (country, category, days, start, stage, band, spans)
    SELECT k.country, k.category, p.days,
           CASE p.days WHEN 1 THEN d.day ELSE CAST(date_trunc('week', d.day) AS date) END,
           d.stage, d.band, sum(d.n)
      FROM (SELECT * FROM old UNION ALL SELECT * FROM new) AS d
     CROSS JOIN LATERAL shipment_rollup_keys(d.country, d.categories) AS k
     CROSS JOIN (VALUES (CAST(1 AS smallint)), (CAST(7 AS smallint))) AS p (days)
     GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(d.n) <> 0
    ON CONFLICT (country, category, days, start, stage, band) DO UPDATE SET spans = t.spans + EXCLUDED.spans
$$;

CREATE FUNCTION shipment_rollups_refresh(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT shipment_rollups_refresh_facts(ids);
    SELECT shipment_rollups_refresh_spans(ids);
$$;

-- Empty and refill the four tables from the base tables (shipments,
-- shipment_events, orders, customers, order_items, products,
-- business_calendar); the two counting tables are summed from the two
-- per-shipment tables just refilled.
CREATE FUNCTION rebuild_shipment_rollups() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE shipment_facts, shipment_spans, shipment_status_daily, shipment_stage_bands;
    INSERT INTO shipment_facts (shipment_id, day, country, categories, status)
    SELECT s.id, CAST(o.placed_at AT TIME ZONE bc.timezone AS date), c.country, coalesce(k.categories, '{}'), s.status
      FROM shipments AS s
      JOIN orders AS o ON o.id = s.order_id
      JOIN customers AS c ON c.id = o.customer_id
     CROSS JOIN business_calendar AS bc
      LEFT JOIN (SELECT i.order_id, array_agg(DISTINCT p.category ORDER BY p.category) AS categories
                   FROM order_items AS i JOIN products AS p ON p.id = i.product_id
                  WHERE i.order_id IN (SELECT order_id FROM shipments)
                  GROUP BY i.order_id) AS k ON k.order_id = s.order_id;
    INSERT INTO shipment_spans (shipment_id, event_id, stage, spent, band, day, country, categories)
    SELECT n.shipment_id, n.event_id, n.stage, n.spent, n.band, f.day, f.country, f.categories
      FROM shipment_spans_now AS n JOIN shipment_facts AS f USING (shipment_id);
    INSERT INTO shipment_status_daily (country, category, day, status, shipments)
    SELECT k.country, k.category, f.day, f.status, count(*)
      FROM shipment_facts AS f CROSS JOIN LATERAL shipment_rollup_keys(f.country, f.categories) AS k
     GROUP BY 1, 2, 3, 4
     ORDER BY 1, 2, 3, 4;  -- in key order: a range of days is a few pages
    INSERT INTO shipment_stage_bands (country, category, days, start, stage, band, spans)
    SELECT k.country, k.category, p.days,
           CASE p.days WHEN 1 THEN s.day ELSE CAST(date_trunc('week', s.day) AS date) END,
           s.stage, s.band, count(*)
      FROM shipment_spans AS s
     CROSS JOIN LATERAL shipment_rollup_keys(s.country, s.categories) AS k
     CROSS JOIN (VALUES (CAST(1 AS smallint)), (CAST(7 AS smallint))) AS p (days)
     GROUP BY 1, 2, 3, 4, 5, 6
     ORDER BY 1, 2, 3, 4, 5, 6;
END $$;

-- Triggers: every statement that can change what is counted recounts the
-- shipments it touches. A shipment's move writes a shipments UPDATE
-- (facts) and a shipment_events INSERT (spans).
CREATE FUNCTION shipment_rollups_on_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM shipment_rollups_refresh_facts(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM shipment_rollups_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        -- Another order means another day, country and categories for its spans too.
        PERFORM shipment_rollups_refresh_facts(ARRAY(SELECT id FROM new_rows));
        PERFORM shipment_rollups_refresh_spans(ARRAY(
            SELECT n.id FROM new_rows AS n JOIN old_rows AS o USING (id) WHERE n.order_id <> o.order_id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_shipments_insert AFTER INSERT ON shipments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_shipments();
CREATE TRIGGER shipment_rollups_on_shipments_update AFTER UPDATE ON shipments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_shipments();
CREATE TRIGGER shipment_rollups_on_shipments_delete AFTER DELETE ON shipments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_shipments();

CREATE FUNCTION shipment_rollups_on_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM shipment_rollups_refresh_spans(ARRAY(SELECT DISTINCT shipment_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM shipment_rollups_refresh_spans(ARRAY(SELECT DISTINCT shipment_id FROM old_rows));
    ELSE
        PERFORM shipment_rollups_refresh_spans(ARRAY(
            SELECT shipment_id FROM new_rows UNION SELECT shipment_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_events_insert AFTER INSERT ON shipment_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_events();
CREATE TRIGGER shipment_rollups_on_events_update AFTER UPDATE ON shipment_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_events();
CREATE TRIGGER shipment_rollups_on_events_delete AFTER DELETE ON shipment_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_events();

-- An order placed at another time or moved to another customer (a
-- cancellation changes nothing counted here: its shipments stay counted).
CREATE FUNCTION shipment_rollups_on_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shipment_rollups_refresh(ARRAY(
        SELECT s.id FROM new_rows AS n JOIN old_rows AS o USING (id) JOIN shipments AS s ON s.order_id = n.id
         WHERE (n.placed_at, n.customer_id) IS DISTINCT FROM (o.placed_at, o.customer_id)));
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_orders AFTER UPDATE ON orders
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_orders();

-- A customer who moves to another country takes their shipments along.
CREATE FUNCTION shipment_rollups_on_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shipment_rollups_refresh(ARRAY(
        SELECT s.id FROM new_rows AS n JOIN old_rows AS c USING (id)
          JOIN orders AS o ON o.customer_id = n.id JOIN shipments AS s ON s.order_id = o.id
         WHERE n.country <> c.country));
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_customers AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_customers();

-- An item added to an order that already has a shipment may add a category.
CREATE FUNCTION shipment_rollups_on_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shipment_rollups_refresh(ARRAY(
        SELECT s.id FROM shipments AS s WHERE s.order_id IN (SELECT order_id FROM new_rows)));
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_items AFTER INSERT ON order_items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_items();

-- A product moved to another category moves the orders holding it.
CREATE FUNCTION shipment_rollups_on_products() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM shipment_rollups_refresh(ARRAY(
        SELECT DISTINCT s.id FROM new_rows AS n JOIN old_rows AS o USING (id)
          JOIN order_items AS i ON i.product_id = n.id JOIN shipments AS s ON s.order_id = i.order_id
         WHERE n.category <> o.category));
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_products AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_products();

-- Days are business days: another time zone recounts everything.
CREATE FUNCTION shipment_rollups_on_calendar() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rebuild_shipment_rollups();
    RETURN NULL;
END $$;
CREATE TRIGGER shipment_rollups_on_calendar AFTER UPDATE ON business_calendar
    FOR EACH STATEMENT EXECUTE FUNCTION shipment_rollups_on_calendar();

SELECT rebuild_shipment_rollups();

-- A write's rollup statements touch a few rows, but their row estimates
-- (an array's unnest, the one-row business_calendar never analysed) are
-- large enough to cross jit_above_cost: PostgreSQL then compiled each one
-- with LLVM, about 20 ms per statement, more than everything else a payment
-- or a shipment move does (measured: a payment's allocation trigger 45 ms
-- with JIT, 3.5 ms without).
ALTER FUNCTION shipment_rollups_refresh_facts(bigint[]) SET jit = off;
ALTER FUNCTION shipment_rollups_refresh_spans(bigint[]) SET jit = off;
ALTER FUNCTION shipment_rollups_refresh(bigint[]) SET jit = off;
ALTER FUNCTION shipment_rollups_on_shipments() SET jit = off;
ALTER FUNCTION shipment_rollups_on_events() SET jit = off;

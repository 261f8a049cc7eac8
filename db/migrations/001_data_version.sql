-- One counter that every committed write to business data moves forward.
--
-- Caches (the dashboard's, in Redis or in process) put this number in their
-- keys: a figure cached under version N is only served while N is current,
-- so no process ever shows figures older than the last committed write.
-- The counter is a row, not a sequence, because a sequence moves before its
-- transaction commits: a reader could see the new number, compute figures
-- without the uncommitted write and cache them under it. A row update
-- becomes visible exactly when the write commits.
--
-- Statement-level triggers: a COPY of a million rows moves it once.
CREATE TABLE data_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version DEFAULT VALUES;

CREATE FUNCTION data_version_advance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now();
    RETURN NULL;
END
$$;

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY[
        'customers', 'products', 'orders', 'order_items', 'payments', 'payment_allocations',
        'shipments', 'shipment_events', 'stock_movements', 'business_calendar'
    ] LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION data_version_advance()',
            name || '_advance_data_version', name
        );
    END LOOP;
END
$$;

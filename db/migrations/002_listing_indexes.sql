-- Indexes for the server-side listings and exports (workflow.listings,
-- workflow.exports): each serves a listing's default order, read newest
-- first and stopped after one page, or its search.

-- Orders, newest placed first, and their date range; order_balances carries
-- placed_at, so the listing reads no orders row. The payment-state filter
-- uses order_balances_attention_idx instead when 'paid' is not asked for.
CREATE INDEX order_balances_placed_at_idx ON order_balances (placed_at, order_id);

-- Customer search by the start of an e-mail, case-insensitively: LIKE 'ann%'
-- needs a pattern index under any collation but C (names have one already:
-- customers_full_name_lower_idx).
CREATE INDEX customers_email_lower_pattern_idx ON customers (lower(email) text_pattern_ops);

-- Customers, newest first, and their creation date range.
CREATE INDEX customers_created_idx ON customers (created_at, id);

-- Shipments, last moved first, and their date range (shipments_status_updated_idx
-- serves only a status filter).
CREATE INDEX shipments_updated_at_idx ON shipments (updated_at, id);

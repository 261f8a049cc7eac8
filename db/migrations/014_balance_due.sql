-- What is still owed on an order, one rule for every reader: total - paid,
-- and nothing for a cancelled order (it is neither sold nor owed, whatever
-- was paid on it before; that money is given back by a refund). A refund
-- lowers the cash collected but never reopens a balance.
--
-- workflow.balances (the payment rules, the order page, the payment form),
-- the orders and customers listings and their CSV exports all call it; it
-- was written out as a CASE in the listings' SQL and again in the order
-- page's figure builder, while workflow.balances returned total - paid.
-- A plain SQL function: PostgreSQL inlines it into each query.
CREATE FUNCTION balance_due(order_status text, total numeric, paid numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN order_status = 'cancelled' THEN 0.00 ELSE total - paid END
$$;

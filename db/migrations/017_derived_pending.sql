-- Derived data a bulk seed has still to rebuild (issue 9, the 1M-order seed).
--
-- The demo seed commits the base tables first, then rebuilds most of the
-- derived data on two connections at once, one transaction per name of
-- workflow.derived.DERIVED (workflow.demo.derive): a single transaction can
-- use only one core for them. The seed's first transaction lists here the
-- names it leaves to the connections; each of their transactions deletes
-- its own name as it commits. A row left here means a seed was stopped
-- before it finished (the process killed): the next `ecc seed` on that
-- database rebuilds what is listed instead of refusing a database with
-- orders. A rebuild that fails empties every seeded table instead, as the
-- single transaction did.
CREATE TABLE derived_pending (
    name text PRIMARY KEY,
    since timestamptz NOT NULL DEFAULT now()
);

"""The business of E-Commerce Command Center: schema access and the rules for
orders, payments, shipments and inventory. Imports no web code."""

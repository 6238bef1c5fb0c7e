"""Customers, their organisations, and the identities they write from on each channel."""

"""Tickets: the thread, the status machine, the append-only event log, and the actions that change them."""

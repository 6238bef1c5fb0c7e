"""Database plumbing: engine setup per dialect, declarative base, transactions, outbox."""

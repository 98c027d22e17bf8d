"""The ingestion pipeline: archive raw bytes, parse, quality-control, store (one transaction)."""

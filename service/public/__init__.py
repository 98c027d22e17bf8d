"""The public portal (``/public``): read-only, no login, its own allow-list of fields.

- ``allowlist``: the only keys a public answer may hold, and the check the tests sweep with.
- ``content``: the public document built from the layer snapshots and the AQI tables.
- ``cache``: bytes, gzip, ETag per data change; snapshot files for the reverse proxy.
- ``routes``: thin routes; ``widget``, ``og_image``, ``opendata``: the embeddable pieces.
"""

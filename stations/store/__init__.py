"""Persistence for the domain core: SQLAlchemy Core tables and the queries on them."""

"""Forwarding received station files to the national system (and any other destination)."""

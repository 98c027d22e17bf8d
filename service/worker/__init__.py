"""The worker side: the scheduler and its jobs, the leader lock, the after-ingest chain and the
backfill that runs that chain once over what ``quantrac ingest`` stored."""

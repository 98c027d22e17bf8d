"""Every table of every area, gathered for Alembic and the tests.

Each area keeps its tables in its own module on the shared ``metadata``; importing this module
registers them all. Add a new area's table module here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import layers.store
import stations.store.account_tables
import stations.store.alert_tables
import stations.store.compliance_tables
import stations.store.conflicts
import stations.store.forward_tables
import stations.store.programme_tables
import stations.store.rain_tables
import stations.store.revisions
import stations.store.schema
import stations.store.subscription_tables
from stations.store.metadata import metadata

TABLE_MODULES = (
    stations.store.schema,
    stations.store.compliance_tables,
    stations.store.alert_tables,
    stations.store.programme_tables,
    stations.store.account_tables,
    layers.store,
    stations.store.revisions,
    stations.store.subscription_tables,
    stations.store.conflicts,
    stations.store.forward_tables,
    stations.store.rain_tables,
)


def full_metadata() -> MetaData:
    """Return the metadata with every area's tables registered."""
    return metadata

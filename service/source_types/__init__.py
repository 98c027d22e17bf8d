"""The source-type registry: one pydantic config per ``type:`` of the sources file.

A new source type is one module here (a ``SourceCommon`` subclass with ``type: Literal[...]``
and ``build()`` returning a :class:`stations.sources.base.Source`) plus one member of the union
below; the sources file, validation messages and :data:`SOURCE_TYPES` follow from it
(docs/extending.md).
"""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from service.source_types.common import ParserVariant, SourceCommon
from service.source_types.folder import FolderSourceConfig
from service.source_types.ftp import FtpSourceConfig
from service.source_types.http import HttpSourceConfig

SourceConfig = Annotated[
    FtpSourceConfig | FolderSourceConfig | HttpSourceConfig,
    Field(discriminator="type"),
]
SOURCE_CONFIGS: tuple[type[SourceCommon], ...] = get_args(get_args(SourceConfig)[0])
SOURCE_TYPES: tuple[str, ...] = tuple(
    get_args(cls.model_fields["type"].annotation)[0] for cls in SOURCE_CONFIGS
)

__all__ = ["SOURCE_CONFIGS", "SOURCE_TYPES", "ParserVariant", "SourceCommon", "SourceConfig"]

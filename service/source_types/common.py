"""What every source type's configuration holds: id, format, timing, parser variant."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stations.parsers import FORMATS, ParserOptions
from stations.sources.base import Source


class ParserVariant(BaseModel):
    """How a source's files may deviate from the canonical Circular 10/2021 form.

    By default every documented deviation is accepted and noted per file; ``strict: true``
    accepts only the canonical form plus the variants switched on below.
    """

    model_config = ConfigDict(extra="forbid")
    strict: bool = False
    separator: Literal["tab", "semicolon", "spaces", "auto"] = "tab"
    decimal_comma: bool = False
    bom: bool = False
    lf: bool = False
    aliases: bool = False


class SourceCommon(BaseModel):
    """The fields of every polled source; each type adds its own and ``build()``."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    format: str = "tt10"
    interval_seconds: float | None = Field(None, gt=0)
    timeout_seconds: float | None = Field(None, gt=0)
    retries: int | None = Field(None, ge=0, le=10)
    backoff_seconds: float | None = Field(None, ge=0)
    # Files committed together (one transaction, one run of the after-ingest chain).
    batch_files: int | None = Field(None, ge=1, le=5000)
    options: ParserVariant = Field(default_factory=ParserVariant)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:  # the parser registry is the one list of formats
            raise ValueError(f"expected one of {', '.join(FORMATS)}, got {value!r}")
        return value

    def build(self) -> Source:
        """The stations-layer source object (plain arguments, secrets unwrapped here only)."""
        raise NotImplementedError

    def parser_options(self) -> ParserOptions:
        """Parser options of this source."""
        return ParserOptions(**self.options.model_dump())

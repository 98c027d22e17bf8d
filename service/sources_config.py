"""The sources file (``QUANTRAC_SOURCES_FILE``): which FTP/folder/HTTP sources to poll, and how.

Secrets are written as ``${ENV_VAR}`` and expanded from the environment when the file is read;
they are held as ``SecretStr`` and never appear in logs, ``repr`` or API output. Example::

    defaults: {interval_seconds: 60, timeout_seconds: 30, retries: 3, backoff_seconds: 2,
               batch_files: 100}
    sources:
      - id: ftp-so
        type: ftp
        host: 10.0.0.5
        user: ${QUANTRAC_FTP_USER}
        password: ${QUANTRAC_FTP_PASSWORD}
        path: /incoming
        after: move            # or delete
        options: {strict: false}   # strict: true -> {separator: tab, lf: false, bom: false, ...}
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.config_files import fill_unset, require_unique
from service.source_types import ParserVariant, SourceCommon, SourceConfig
from stations.errors import InvalidRequest
from stations.parsers import ParserOptions
from stations.sources.base import Source

SourceT = TypeVar("SourceT", bound=SourceCommon)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Defaults(BaseModel):
    """Defaults for every source."""

    model_config = ConfigDict(extra="forbid")
    interval_seconds: float = Field(60, gt=0)
    timeout_seconds: float = Field(30, gt=0)
    retries: int = Field(3, ge=0, le=10)
    backoff_seconds: float = Field(2, ge=0)
    batch_files: int = Field(100, ge=1, le=5000)


class SourcesFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")
    defaults: Defaults = Field(default_factory=Defaults)
    sources: list[SourceConfig] = Field(default_factory=list)

    def effective(self, s: SourceT) -> SourceT:
        """``s`` with every unset timing field taken from the defaults."""
        return fill_unset(s, self.defaults)


def _expand(value: Any, env: dict[str, str], missing: set[str]) -> Any:
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in env:
                missing.add(m.group(1))
                return ""
            return env[m.group(1)]

        return _VAR.sub(sub, value)
    if isinstance(value, list):
        return [_expand(v, env, missing) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, env, missing) for k, v in value.items()}
    return value


ModelT = TypeVar("ModelT", bound=BaseModel)


def read_yaml_with_env(
    path: Path, model: type[ModelT], what: str, env: dict[str, str] | None = None
) -> ModelT:
    """A YAML file with ``${VAR}`` expanded from ``env`` (default: the environment), validated
    by ``model``. Errors name the file and the field or the unset variable, never a value."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidRequest(f"{path}: không đọc được / cannot read {what}: {exc}") from exc
    missing: set[str] = set()
    data = _expand(raw, dict(os.environ) if env is None else env, missing)
    if missing:
        raise InvalidRequest(
            f"{path}: biến môi trường chưa đặt / unset variables: {sorted(missing)}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidRequest(f"{path}: {problems}") from None


def load_sources(path: Path, env: dict[str, str] | None = None) -> SourcesFile:
    """Read and validate the sources file; errors name the field, never a secret's value."""
    parsed = read_yaml_with_env(path, SourcesFile, "sources file", env)
    require_unique(path, "source ids", [s.id for s in parsed.sources])
    return SourcesFile(
        defaults=parsed.defaults, sources=[parsed.effective(s) for s in parsed.sources]
    )


def build_source(s: SourceCommon) -> Source:
    """The stations-layer source object for a validated config (its type's ``build()``)."""
    return s.build()


def parser_options(s: SourceCommon) -> ParserOptions:
    """Parser options of a source."""
    return s.parser_options()


__all__ = [
    "Defaults",
    "ParserVariant",
    "SourceConfig",
    "SourcesFile",
    "build_source",
    "load_sources",
    "parser_options",
    "read_yaml_with_env",
]

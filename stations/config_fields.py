"""Constrained numbers shared by the configuration files (alerts file, forwarding file): one
statement of what a valid interval, delay or count is, so the files cannot drift apart."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Positive = Annotated[float, Field(gt=0)]  # an interval, timeout or threshold: more than 0
NonNegative = Annotated[float, Field(ge=0)]  # a delay or hold that may be 0 (none)
AtLeastOne = Annotated[int, Field(ge=1)]  # a count of attempts, files or messages
NonNegativeInt = Annotated[int, Field(ge=0)]  # whole seconds that may be 0

"""``type: folder``: a local folder (the FTP receiver's uploads, a mounted share)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from service.source_types.common import SourceCommon
from stations.sources.folder import FolderSource


class FolderSourceConfig(SourceCommon):
    """A folder source."""

    type: Literal["folder"]
    path: str = "/"
    recursive: bool = True
    after: Literal["move", "delete", "keep"] = "move"

    def build(self) -> FolderSource:
        return FolderSource(id=self.id, root=Path(self.path), after=self.after)

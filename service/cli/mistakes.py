"""What the command line says when a command fails: one message for a person, never a traceback.

``quantrac -v …`` shows the traceback instead. Errors the code raises on purpose already carry a
bilingual message (with the file, the row and the fix); the ones below are the mistakes people
make with files and settings that reach us as library exceptions.
"""

from __future__ import annotations

from typing import Any

RERUN = "chạy lại với -v để xem chi tiết / run again with -v for the details"


def explain(exc: BaseException) -> tuple[str, int]:
    """``(message, exit code)`` for an exception that escaped a command."""
    from stations.errors import ImportRejected, QuantracError

    if isinstance(exc, ImportRejected):
        return str(exc), 2
    if isinstance(exc, QuantracError):
        return str(exc), 1
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename}: không có tệp hoặc thư mục / no such file or folder", 1
    if isinstance(exc, PermissionError):
        return f"{exc.filename}: không có quyền đọc/ghi / permission denied", 1
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: là thư mục, cần một tệp / is a folder, give a file", 1
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"tệp không phải UTF-8 (byte 0x{exc.object[exc.start : exc.start + 1].hex()}); lưu "
            "lại dạng 'CSV UTF-8' / the file is not UTF-8: save it again as 'CSV UTF-8'",
            1,
        )
    yaml_message = _yaml(exc)
    if yaml_message:
        return yaml_message, 1
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first} ({RERUN})", 1


def _yaml(exc: BaseException) -> str | None:
    import yaml

    if not isinstance(exc, yaml.YAMLError):
        return None
    mark: Any = getattr(exc, "problem_mark", None)
    where = f"{mark.name}, dòng / line {mark.line + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (
        f"{where}YAML sai cú pháp ({problem}); thụt lề bằng dấu cách, các khoá thẳng cột / "
        "YAML syntax error: indent with spaces and align the keys"
    )

"""The command line's answer to common mistakes: the file, the line and a fix, in Vietnamese and
English, and never a traceback (``-v`` shows it). One row per mistake officers make with the
files they edit by hand (issue 21)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from service.cli import main
from stations.store.schema import sites

HEADER = "id,name,kind,lon,lat,facility,commune,parameters\n"
ROW = "LS_T_1,{name},air,{lon},{lat},,Tam Thanh,PM2.5\n"

YAML_BAD_INDENT = "stations:\n  - id: LS_T_1\n    name: Trạm\n   kind: air\n"

# (id, file name, file bytes, expected phrases in the message, after whitespace is folded)
MISTAKES = [
    pytest.param(
        "yaml.yaml",
        YAML_BAD_INDENT.encode(),
        ["yaml.yaml", "row 4", "Fix: indent"],
        id="yaml-indent",
    ),
    pytest.param(
        "latin.csv",
        HEADER.encode() + b"LS_T_1,Tr\x81m,air,106.7,21.8,,Tam Thanh,PM2.5\n",
        ["latin.csv", "row 2", "not UTF-8, Windows-1258 or Windows-1252 (byte 0x81)", "CSV UTF-8"],
        id="encoding-unknown",
    ),
    pytest.param(
        "column.csv",
        b"id,name,kind,lon,latitude,facility,commune,parameters\n"
        b"LS_T_1,A,air,106.7,21.8,,Tam Thanh,PM2.5\n",
        ["column.csv", "rename 'latitude' to 'lat'"],
        id="wrong-column-name",
    ),
    pytest.param(
        "swapped.csv",
        (HEADER + ROW.format(name="A", lon=21.8, lat=106.7)).encode(),
        ["swapped.csv", "row 2", "lon and lat are swapped"],
        id="lon-lat-swapped",
    ),
    pytest.param(
        "vn2000.csv",
        (HEADER + ROW.format(name="A", lon=430512.3, lat=2412345.6)).encode(),
        ["vn2000.csv", "row 2", "these are metres (VN-2000?)"],
        id="projected-metres-not-degrees",
    ),
]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    db = f"sqlite:///{tmp_path / 'q.db'}"

    def run(*args: str) -> tuple[int, str]:
        with pytest.raises(SystemExit) as caught:
            main(["--db", db, *args])
            raise SystemExit(0)
        err = capsys.readouterr()
        return int(caught.value.code or 0), " ".join((err.out + err.err).split())

    run.db = db  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(("name", "data", "phrases"), MISTAKES)
def test_common_mistake_gets_file_line_and_fix_without_traceback(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, name: str, data: bytes, phrases: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, text = cli("import", "stations", str(path))
    assert code == 2, text
    assert "Traceback" not in text and 'File "' not in text
    assert "nothing imported" in text
    for phrase in phrases:
        assert phrase in text


@pytest.mark.parametrize(
    ("data", "encoding", "name"),
    [
        # "Đồng Đăng" as Excel saves it on a Vietnamese Windows: tones as combining marks.
        (b"\xd0\xf4\xccng \xd0\xe3ng", "Windows-1258", "Đồng Đăng"),  # ô + 0xCC (grave)
        ("\ufeffĐồng Đăng".encode(), "UTF-8 (BOM)", "Đồng Đăng"),
        ("Café Noël".encode("cp1252"), "Windows-1252", "Café Noël"),
    ],
)
def test_windows_code_pages_are_read_and_named(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, caplog: pytest.LogCaptureFixture, data: bytes, encoding: str, name: str
) -> None:
    path = tmp_path / "stations.csv"
    bom = data.startswith(b"\xef\xbb\xbf")
    head = b"\xef\xbb\xbf" if bom else b""
    body = data.removeprefix(b"\xef\xbb\xbf")
    path.write_bytes(
        head + HEADER.encode() + b"LS_T_1," + body + b",air,106.7,21.8,,Tam Thanh,PM2.5\n"
    )
    with caplog.at_level(logging.WARNING, logger="stations.textfile"):
        code, text = cli("import", "stations", str(path))
    assert code == 0, text
    if not bom:
        assert f"read as {encoding}" in caplog.text
    engine = create_engine(cli.db)
    with engine.connect() as conn:
        stored = conn.scalar(select(sites.c.name).where(sites.c.id == "LS_T_1"))
    engine.dispose()
    assert stored == name  # composed (NFC), as typed


def test_unexpected_error_is_one_line_and_v_shows_the_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.csv"
    path.write_text(HEADER + ROW.format(name="A", lon=106.7, lat=21.8), encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        main(["--db", "notadb://x", "import", "stations", str(path)])
    assert caught.value.code == 1
    with pytest.raises(Exception, match="notadb"):
        main(["-v", "--db", "notadb://x", "import", "stations", str(path)])


def test_semicolon_csv_with_decimal_commas_imports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Excel on a Vietnamese Windows separates columns with ';' and decimals with ','."""
    path = tmp_path / "excel.csv"
    text = HEADER.replace(",", ";") + "LS_T_1;A;air;106,7;21,8;;Tam Thanh;PM2.5\n"
    path.write_text(text, encoding="utf-8")
    code, out = cli("import", "stations", str(path))
    assert code == 0, out
    engine = create_engine(cli.db)
    with engine.connect() as conn:
        lon = conn.scalar(select(sites.c.lon).where(sites.c.id == "LS_T_1"))
    engine.dispose()
    assert lon == pytest.approx(106.7)


def test_help_imports_nothing_heavy() -> None:
    """``quantrac --help`` stays fast (bench/README.md) because no command module imports the
    web, database or GIS stack at module level: checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys; from service.cli import _load_commands; _load_commands(); "
        "heavy = ('fastapi', 'sqlalchemy', 'pandas', 'geopandas', 'pyproj', 'rasterio', "
        "'folium', 'alembic', 'matplotlib', 'openpyxl', 'service.bootstrap', "
        "'service.settings'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == ""

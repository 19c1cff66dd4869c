"""The parity table (clients/testdata/parity.json): every Python name it gives exists, every public method of
the clients, watches and mirrors and every error class has a row, the defaults are the table's, and both
clients' READMEs carry the table as rendered here. The TypeScript names are checked by
clients/ts/test/parity.test.ts. Run this file as a script to rewrite the READMEs' tables."""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import roomhistory

CLIENTS = Path(__file__).resolve().parents[2]
PARITY: dict[str, Any] = json.loads((CLIENTS / "testdata" / "parity.json").read_text(encoding="utf-8"))
READMES = [CLIENTS / "ts" / "README.md", CLIENTS / "python" / "README.md"]
BEGIN = "<!-- parity table: generated from clients/testdata/parity.json by clients/python/tests/test_parity.py -->"
END = "<!-- end of parity table -->"
COVERED = ["RoomHistoryClient", "AsyncRoomHistoryClient", "WatchStream", "AsyncWatchStream", "RoomMirror", "AsyncRoomMirror"]


def resolve(name: str) -> Any:
    """`Name`, `Name.member`, `module.name` or `Class().member` in the roomhistory package."""
    target: Any = roomhistory
    for part in name.split("."):
        if part.endswith("()"):
            target = getattr(target, part[:-2])()
        else:
            target = getattr(target, part)
    return target


def python_names() -> list[str]:
    return [n for row in PARITY["rows"] for n in row["python"] or []]


@pytest.mark.parametrize("name", python_names())
def test_every_python_name_exists(name: str) -> None:
    resolve(name)


@pytest.mark.parametrize("cls", COVERED)
def test_every_public_member_has_a_row(cls: str) -> None:
    listed = set(python_names())
    members = [n for n, _ in inspect.getmembers(getattr(roomhistory, cls)) if not n.startswith("_")]
    assert [n for n in members if f"{cls}.{n}" not in listed] == []


def test_every_error_class_has_a_row() -> None:
    listed = set(python_names())
    errors = [n for n in roomhistory.__all__ if isinstance(v := getattr(roomhistory, n), type)
              and issubclass(v, roomhistory.RoomHistoryError)]
    assert [n for n in errors if n not in listed] == []


@pytest.mark.parametrize("cls", ["RoomHistoryClient", "AsyncRoomHistoryClient"])
def test_every_constructor_option_has_a_row(cls: str) -> None:
    params = [n for n in inspect.signature(getattr(roomhistory, cls)).parameters if n != "target"]
    rows = [o["python"] for o in PARITY["options"] if o["python"]]
    assert sorted(params) == sorted(rows)


@pytest.mark.parametrize("default", PARITY["defaults"], ids=lambda d: str(d["what"]))
def test_defaults(default: dict[str, Any]) -> None:
    value = resolve(default["python"]["name"])
    expected = default["seconds"] if "seconds" in default else default["count"]
    assert value == expected


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(CLIENTS)))
def test_readmes_carry_the_table(readme: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{readme}: no parity table (run {__file__})"
    assert with_table(text) == text, f"{readme}: the parity table is stale; run python {__file__}"


def render() -> str:
    def names(value: str | list[str] | None) -> str:
        if value is None:
            return "—"
        return ", ".join(f"`{n}`" for n in ([value] if isinstance(value, str) else value))

    def default(d: dict[str, Any], lang: str) -> str:
        unit = d[lang].get("unit")
        amount: float = d["count"] if "count" in d else d["seconds"]
        if unit == "ms":
            amount = round(amount * 1000)
        shown = f"{amount:g}" if isinstance(amount, float) else str(amount)
        return f"`{d[lang]['name']}` = {shown}{' ' + unit if unit else ''}"

    lines = ["| What | TypeScript | Python |", "| --- | --- | --- |"]
    lines += [f"| {r['what']} | {names(r['ts'])} | {names(r['python'])} |" for r in PARITY["rows"]]
    lines += ["", "| Client option | TypeScript | Python |", "| --- | --- | --- |"]
    lines += [f"| {o['what']} | {names(o['ts'])} | {names(o['python'])} |" for o in PARITY["options"]]
    lines += ["", "| Default | TypeScript | Python |", "| --- | --- | --- |"]
    lines += [f"| {d['what']} | {default(d, 'ts')} | {default(d, 'python')} |" for d in PARITY["defaults"]]
    return "\n".join(lines)


def with_table(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


if __name__ == "__main__":
    for path in READMES:
        path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)

"""What both mirrors share for prefix and namespace selectors: when a selector's rooms count as loaded."""

from __future__ import annotations

from collections.abc import Mapping

from ._window import RoomWindow


def selector_loaded(found: list[str] | None, announced: Mapping[str, int], windows: Mapping[str, RoomWindow]) -> bool:
    """Whether the server answered the selector (``found`` is not None) and every room it found is in the
    copy at the version the server listed it with (or later)."""
    if found is None:
        return False
    return all(r in windows and windows[r].version >= announced.get(r, 0) for r in found)

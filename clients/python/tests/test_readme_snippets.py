"""Every Python snippet of the READMEs (README.md, clients/python/README.md) runs as written against a live
server (the memory store): each ```python block runs in a fresh interpreter, its address replaced by the test
server's. The TypeScript snippets are run by clients/ts/test/readme-snippets.test.ts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import ROOT, ServerProcess

READMES = ["README.md", "clients/python/README.md"]


def snippets(readme: str) -> list[tuple[int, str]]:
    """The ```python blocks of a markdown file, with the line each starts on."""
    lines = (ROOT / readme).read_text(encoding="utf-8").split("\n")
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            end = lines.index("```", i + 1)
            found.append((i + 1, "\n".join(lines[i + 1 : end])))
            i = end
        i += 1
    return found


CASES = [(readme, line, code) for readme in READMES for line, code in snippets(readme)]


@pytest.fixture(scope="module")
def memory_server() -> Iterator[ServerProcess]:
    s = ServerProcess("")  # no Redis URL: the memory store
    yield s
    s.stop()


@pytest.mark.parametrize("readme", READMES)
def test_the_readme_has_python_snippets(readme: str) -> None:
    assert snippets(readme)


@pytest.mark.parametrize(("readme", "line", "code"), CASES, ids=[f"{r}:{line}" for r, line, _ in CASES])
def test_the_snippet_runs(memory_server: ServerProcess, readme: str, line: int, code: str, tmp_path: Path) -> None:
    script = tmp_path / "snippet.py"
    script.write_text(code.replace("127.0.0.1:50051", memory_server.address), encoding="utf-8")
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"{readme}:{line} failed:\n{done.stdout}\n{done.stderr}"

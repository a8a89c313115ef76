"""The README's code is the examples' code, the quick start runs, and mypy --strict accepts it."""

from __future__ import annotations

import re
import runpy

import pytest
from mypy import api as mypy

from conftest import EXAMPLES, PYTHON_DIR


def test_quick_start_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "receiver.py"), run_name="__main__")
    assert "contact_updated (key current)" in capsys.readouterr().out


def test_readme_code_comes_from_the_examples() -> None:
    readme = (PYTHON_DIR / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 4
    assert blocks[0] == (EXAMPLES / "receiver.py").read_text(encoding="utf-8")
    sources = [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.py"))]
    for block in blocks[1:]:
        assert any(block in source for source in sources), block


@pytest.mark.parametrize("path", ["receiver.py", "flask_app.py", "fastapi_app.py"])
def test_mypy_strict(path: str) -> None:
    out, err, status = mypy.run(
        ["--strict", "--no-incremental", "--cache-dir", "/dev/null", str(EXAMPLES / path)]
    )
    assert status == 0, out + err


def test_mypy_strict_on_the_package() -> None:
    """The package's own modules (Django ships no type information, so axhook.django is left
    out)."""
    modules = ["axhook", "axhook.errors", "axhook.receiver", "axhook.testing", "axhook.flask"]
    modules += ["axhook.fastapi", "axhook.pytest_plugin"]
    args = ["--strict", "--no-incremental", "--cache-dir", "/dev/null"]
    out, err, status = mypy.run(args + [a for m in modules for a in ("-m", m)])
    assert status == 0, out + err

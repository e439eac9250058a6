"""Running a short script where Rasa lives (.venv-rasa): tests of code that imports Rasa.

The gateway's virtualenv has no Rasa (it pins other versions of pydantic and numpy), so such a test
runs a script with the Rasa virtualenv's Python, in the project folder, and reads the JSON object
the script prints last.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def rasa_script_result(script: str, *args: str, env: dict[str, str] | None = None, timeout_s: float = 300
                       ) -> dict[str, Any]:
    """The last line ``script`` printed, as JSON (its stderr's end in the failure when it fails)."""
    done = subprocess.run([str(RASA_PYTHON), "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout_s, check=False, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))

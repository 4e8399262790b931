"""Virtual environments of their own for benchmarks that need what Nåbar does not depend on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def rerun_in(venv: Path, script: str, *installs: list[str]) -> None:
    """Re-run ``script`` with the Python of ``venv``, building it once: ``python3.11`` where
    there is one (the CPU build of PyTorch 2.13.0 is at hand for it), then each group of
    ``installs`` in turn, so that a later group finds what an earlier one brought."""
    python = venv / "bin" / "python"
    if not python.exists():
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        for packages in installs:
            subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    os.execv(str(python), [str(python), script, *sys.argv[1:]])

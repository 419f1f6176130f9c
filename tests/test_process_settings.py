"""The one process setting `bot/__init__.py` makes (OpenBLAS's threads sleep after a product
instead of spinning on the cores the other model and the search need), made before numpy can
load, and an operator's own value kept."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT

PROBE = (
    "import sys, os; import bot; "
    "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), 'numpy' in sys.modules)"
)


def _run(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_importing_bot_sets_the_openblas_thread_timeout_before_numpy_loads() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    assert "4 False" == _run(env)


def test_an_operators_own_openblas_thread_timeout_is_kept() -> None:
    env = {**os.environ, "OPENBLAS_THREAD_TIMEOUT": "20"}
    assert "20 False" == _run(env)

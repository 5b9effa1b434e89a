"""`streamlit run` of a script on a free port, for the tests that drive a real server in a browser
(`test_browser`, `test_web_sessions` and the like): started with the environment given, awaited on its
health endpoint, and terminated when the block ends. Its output goes to a log file the tests can read."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(
    script: Path | str,
    log: Path,
    *,
    cwd: Path,
    env: Mapping[str, str],
    options: Sequence[str] = (),
    start_timeout: float = 90,
) -> Iterator[str]:
    """The address of `streamlit run script` (headless, on 127.0.0.1) once it answers its health check.

    `env` is added to this process's environment; `options` are more `--server.…` style options. The test
    fails with the server's log when it exits or does not answer within `start_timeout` seconds."""
    with streamlit_servers(script, [log], cwd=cwd, env=env, options=options, start_timeout=start_timeout) as urls:
        yield urls[0]


@contextmanager
def serve_app(database_url: str, log: Path) -> Iterator[str]:
    """The address of `streamlit run app.py` (the project's app, from its folder) on the database
    `database_url` (THIDUA_DB_URL); its output goes to `log`."""
    with streamlit_server(ROOT / "app.py", log, cwd=ROOT, env={"THIDUA_DB_URL": database_url}) as url:
        yield url


@contextmanager
def streamlit_servers(
    script: Path | str,
    logs: Sequence[Path],
    *,
    cwd: Path,
    env: Mapping[str, str],
    options: Sequence[str] = (),
    start_timeout: float = 90,
) -> Iterator[list[str]]:
    """As `streamlit_server`, one process per log, all started before any is waited for (two app processes
    start in about the time of one)."""
    ports: list[int] = []
    while len(ports) < len(logs):  # each its own port: none is bound before all are chosen
        port = free_port()
        if port not in ports:
            ports.append(port)
    environment = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **env}
    with ExitStack() as stack:
        started = []
        for port, log in zip(ports, logs, strict=True):
            output = stack.enter_context(log.open("wb"))
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                 "--server.headless", "true", "--server.address", "127.0.0.1", *options],
                cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
            stack.callback(_stop, process)
            started.append((process, f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + start_timeout
        for process, url, log in started:
            _wait_until_healthy(process, url, log, deadline)
        yield [url for _, url, _ in started]


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)

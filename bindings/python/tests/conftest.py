"""Fixtures for the Python tests of the Doorstep bindings.

The generated module `doorstep_ffi.py` loads `libdoorstep_ffi.so` from its own
folder, so both are copied into a temporary folder that goes on `sys.path`.
The server is the real one: `doorstep demo --workers 0` on a free loopback port
with a fresh data folder (users admin, supervisor, worker1..3; password
`doorstep-demo`), started once for the session.

Environment: DOORSTEP_FFI_LIB (the host library) and DOORSTEP_BIN (the
`doorstep` binary), both defaulting to target/debug of the workspace.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEMO_PASSWORD = "doorstep-demo"


def _target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def _load_bindings(tmp: Path) -> None:
    lib = Path(os.environ.get("DOORSTEP_FFI_LIB", _target_dir() / "debug" / "libdoorstep_ffi.so"))
    if not lib.exists():
        raise RuntimeError(f"{lib} is missing: run `cargo build -p doorstep-ffi` first")
    shutil.copy(HERE.parent / "doorstep_ffi.py", tmp / "doorstep_ffi.py")
    shutil.copy(lib, tmp / lib.name)
    sys.path.insert(0, str(tmp))


def pytest_configure(config):
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="doorstep-py-bindings-"))
    _load_bindings(tmp)
    config._doorstep_bindings_tmp = tmp


def pytest_unconfigure(config):
    tmp = getattr(config, "_doorstep_bindings_tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The base URL of a running seeded demo server with no simulated workers."""
    binary = Path(os.environ.get("DOORSTEP_BIN", _target_dir() / "debug" / "doorstep"))
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing: run `cargo build -p doorstep-cli` first")
    data = tmp_path_factory.mktemp("server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [str(binary), "demo", "--data", str(data / "data"), "--listen", f"127.0.0.1:{port}", "--workers", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the demo server exited early: {(data / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the demo server did not answer /healthz within 120 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()

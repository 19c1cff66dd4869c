"""Real processes for the tests: redis-server, the roomhistory server (`node --import tsx src/main.ts`) and
the TypeScript helper scripts of tests/ts. Everything binds to 127.0.0.1 on a free port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TS_DIR = Path(__file__).resolve().parent / "ts"


def free_port() -> int:
    """A free loopback port: bind to 0, read the port, release it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Polls a condition that cannot be awaited (a process's port), with a deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for {what}")


def unique(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}"


class RedisProcess:
    """A redis-server without persistence on a free loopback port."""

    def __init__(self) -> None:
        binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server not found: run `npm test` (scripts/test.sh), which installs it")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="roomhistory-pytest-redis-")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._pong, 10, f"redis-server on port {self.port}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def _pong(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class ServerProcess:
    """The real server as a child process; `kill()` + `start()` restarts it on the same port."""

    def __init__(self, redis_url: str, *, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "ROOMHISTORY_LISTEN": self.address,
            "ROOMHISTORY_REDIS_URL": redis_url,
            "ROOMHISTORY_KEY_PREFIX": unique("pytest"),
            "ROOMHISTORY_SHUTDOWN_GRACE_MS": "2000",
            **(env or {}),
        }
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        ready = threading.Event()
        self.proc = proc = subprocess.Popen(
            ["node", "--import", "tsx", "src/main.ts"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )

        def read() -> None:
            assert proc.stdout is not None
            with proc.stdout:  # closed at the process's end, not left to the garbage collector
                for line in proc.stdout:
                    self.log.append(line)
                    if "serving on" in line:
                        ready.set()
            ready.set()  # exited: start() reports it

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60) or proc.poll() is not None:
            raise RuntimeError("server did not start:\n" + "".join(self.log[-30:]))

    def kill(self) -> None:
        """SIGKILL, as a crash: no graceful anything."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: the graceful path."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ts_command(script: str, *args: str) -> list[str]:
    """The command that runs tests/ts/<script> with tsx from the repository root."""
    return ["node", "--import", "tsx", str(TS_DIR / script), *args]


def run_ts(script: str, *args: str, input: str | None = None, timeout: float = 60) -> str:
    """Runs a TypeScript helper to the end; returns its stdout (raises with its stderr if it fails)."""
    done = subprocess.run(
        ts_command(script, *args), cwd=ROOT, input=input, capture_output=True, text=True, encoding="utf-8",
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}):\n{done.stderr}\n{done.stdout}")
    return done.stdout


def spawn_ts(script: str, *args: str) -> subprocess.Popen[str]:
    """Starts a TypeScript helper with pipes on stdin and stdout (line-oriented protocol)."""
    return subprocess.Popen(
        ts_command(script, *args), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", bufsize=1,
    )

"""PEM files made with openssl for the trust tests: a CA, a server certificate for localhost/127.0.0.1, a
client certificate (CN worker-a) from that CA, and a second CA nobody trusts. As test/tls/certs.ts."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Certs:
    dir: Path
    ca: Path
    other_ca: Path
    server: Pair
    client: Pair


def _openssl(cwd: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(d: Path, name: str) -> Pair:
    pair = Pair(d / f"{name}.pem", d / f"{name}.key")
    _openssl(d, "req", "-x509", *_EC, "-keyout", str(pair.key), "-out", str(pair.cert), "-days", "2", "-subj", f"/CN={name}")
    return pair


def _issue(d: Path, ca: Pair, name: str, san: str | None = None) -> Pair:
    pair, csr = Pair(d / f"{name}.pem", d / f"{name}.key"), d / f"{name}.csr"
    ext = ["-addext", f"subjectAltName={san}"] if san else []
    _openssl(d, "req", "-new", *_EC, "-keyout", str(pair.key), "-out", str(csr), "-subj", f"/CN={name}", *ext)
    _openssl(d, "x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial",
             "-days", "2", "-copy_extensions", "copy", "-out", str(pair.cert))
    return pair


def make_certs() -> Certs:
    d = Path(tempfile.mkdtemp(prefix="roomhistory-pytest-tls-"))
    ca, other = _ca(d, "test-ca"), _ca(d, "other-ca")
    server = _issue(d, ca, "roomhistory-server", "DNS:localhost,IP:127.0.0.1,IP:::1")
    return Certs(d, ca.cert, other.cert, server, _issue(d, ca, "worker-a"))

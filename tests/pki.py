"""A throw-away certificate authority for TLS tests (the openssl command line, no
Python crypto dependency): a CA file as a user would give it in `ca_file`, a server
certificate it signed, and one that has expired."""

from __future__ import annotations

import contextlib
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from servers import require_binary


@dataclass(frozen=True)
class PKI:
    """A private CA and certificates it signed for 127.0.0.1."""

    ca: Path
    """The CA certificate: what a user would give as `ca_file`."""
    valid: tuple[Path, Path]
    """(certificate, key) valid for two days."""
    expired: tuple[Path, Path]
    """(certificate, key) that expired a day ago."""
    directory: Path

    def context(self, pair: tuple[Path, Path]) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair)
        return context


@contextlib.contextmanager
def private_ca() -> Iterator[PKI]:
    """A throw-away CA with a valid and an expired server certificate (openssl CLI)."""
    openssl = require_binary("openssl", "openssl")
    workdir = Path(tempfile.mkdtemp(prefix="oncall-tui-pki-"))

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True, timeout=30, cwd=workdir)

    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    try:
        run("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=oncall-tui test CA")  # fmt: skip
        (workdir / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
        for name, days in (("valid", "2"), ("expired", "-1")):
            run("req", "-new", *curve, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", "/CN=127.0.0.1")  # fmt: skip
            run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", days,
                "-extfile", "san.cnf")  # fmt: skip
        yield PKI(
            ca=workdir / "ca.pem",
            valid=(workdir / "valid.pem", workdir / "valid.key"),
            expired=(workdir / "expired.pem", workdir / "expired.key"),
            directory=workdir,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

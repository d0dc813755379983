"""A PostgreSQL server of a test's own: ``initdb`` into a temporary folder, ``pg_ctl`` on a
free loopback port, so that a test may stop and restart it, or stream it to a replica of
its own (``pg_basebackup -R``), without touching the machine's shared server. Skips where
PostgreSQL's server programs are not installed, or where they cannot run: as root, they run
as the ``postgres`` user (``initdb`` refuses root), which must exist."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    path = shutil.which("pg_ctl")
    return Path(path).parent if path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _runnable(bin_dir: Path) -> str | None:
    """Why the server programs cannot run here, or None."""
    if not all((bin_dir / p).exists() for p in ("initdb", "pg_ctl", "pg_basebackup")):
        return f"initdb, pg_ctl or pg_basebackup is missing from {bin_dir}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root, and runuser is missing"
    return None


class PgServer:
    """One PostgreSQL cluster: ``start``, ``stop`` (fast: sessions are cut), ``kill``
    (immediate, as a crash), ``url``; ``replica()`` streams it to another."""

    def __init__(self, primary: PgServer | None = None) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        why = _runnable(bin_dir)
        if why:
            pytest.skip(why)
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        if primary is None:
            self._run(
                "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
            )
            self.start()
            self._run(
                "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "registry"
            )
        else:
            # A copy of the running primary that follows it (-R writes primary_conninfo and
            # standby.signal; -X stream brings the WAL written meanwhile).
            self._run(
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            )
            self.start()

    def replica(self) -> PgServer:
        """A streaming replica of this server, started on its own port."""
        return PgServer(primary=self)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/registry"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        # hot_standby_feedback: a long read on a replica (an export) is not cancelled by
        # the primary vacuuming rows it still reads.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
            " -c hot_standby_feedback=on"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def kill(self) -> None:
        """Stop at once, as a crash would: no checkpoint, every connection dropped."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def close(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

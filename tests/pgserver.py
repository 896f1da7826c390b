"""A throwaway PostgreSQL server in a temporary folder, for the test suite.

The server refuses to run as root, so when the suite runs as root, initdb and pg_ctl
run as the `postgres` user.
"""
import glob
import os
import shutil
import subprocess
import tempfile

import psycopg

from tests.serving import free_port


def find_binary(name):
    """`name` from PATH, or from Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class PostgresServer:
    def __init__(self):
        self.initdb, self.pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        self.dir = tempfile.mkdtemp(prefix="siapkop-pg-")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    @property
    def available(self):
        return bool(self.initdb and self.pg_ctl)

    def _run(self, *args):
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = f"{self.dir}/data"
        self._run(self.initdb, "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(self.pg_ctl, "-D", data, "-o", options, "-l", f"{self.dir}/log", "-w", "start")

    def stop(self):
        try:
            self._run(self.pg_ctl, "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def execute(self, sql):
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(sql)

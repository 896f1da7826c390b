"""Several app servers behind one nginx, on one PostgreSQL and one Redis: the deployment issue 24 makes, for tests.

The servers are started by bench/cluster.py (the benchmark's `--cluster` run starts the same ones); here is only
what the tests add: a small login limit per username, so a test reaches it in a few attempts. The `cluster`
fixture (tests/conftest.py) builds one per session.
"""
from bench import cluster as servers
from bench.cluster import SERVERS, missing

__all__ = ["LOGIN_LIMIT_PER_USERNAME", "SERVERS", "Cluster", "missing"]

# Failed logins for one username that the cluster allows: small, so a test reaches it in a few attempts.
LOGIN_LIMIT_PER_USERNAME = 6


class Cluster(servers.Cluster):
    """bench/cluster.py's cluster with the tests' login limit."""

    def __init__(self, folder, database_url):
        super().__init__(folder, database_url, {"LOGIN_LIMIT_PER_USERNAME": f"{LOGIN_LIMIT_PER_USERNAME} per hour"})

"""A real server for the tests that need one: gunicorn on a free port, and the waits around it.

They live in bench/cluster.py, which the benchmark (a tool beside the app, that must not import the
tests) uses as well; this module keeps the names the tests import.
"""
from bench.cluster import free_port, served, wait_until_answering

__all__ = ["free_port", "served", "wait_until_answering"]

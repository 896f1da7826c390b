"""gunicorn settings for one SiapKop app server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Run one per port (deploy/systemd/siapkop@.service sets SIAPKOP_BIND) behind nginx, which buffers the phones.
"""
import multiprocessing
import os

bind = os.environ.get("SIAPKOP_BIND", "127.0.0.1:8001")
# Sync workers: nginx hands each one a whole request and takes the whole answer, so a worker is busy only
# while the app works. Two per core plus one keeps the database busy while another waits on it.
worker_class = "sync"
workers = int(os.environ.get("SIAPKOP_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = 120  # the largest export; must not be shorter than nginx's proxy_read_timeout
graceful_timeout = 30  # a restart lets requests in progress finish
max_requests, max_requests_jitter = 5000, 500  # workers renewed now and then, not all at once
worker_tmp_dir = "/dev/shm"  # the heartbeat file: never a slow disk
accesslog = "-"  # to the journal
errorlog = "-"
# X-Forwarded-* are read by the app (TRUSTED_PROXIES, werkzeug's ProxyFix), not by gunicorn.
forwarded_allow_ips = ""

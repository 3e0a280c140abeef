"""gunicorn's settings for production: `gunicorn -c gunicorn.conf.py config.wsgi`.

Every value can be overridden by the environment variable named next to it. Put a buffering
proxy (nginx, Caddy; README "Production hardening") in front: it reads each slow client's
request in full before handing it on, so a worker thread is only ever busy with a complete
request. The settings below bound the harm if a slow client reaches gunicorn anyway.
"""

import os

from gunicorn.glogging import Logger

from config.logfilters import FEED_TOKEN

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads, not sync workers: a client that sends its headers slowly holds one thread, not a
# whole worker; 4 workers x 4 threads serve 16 requests at once (size DATABASE_POOL_SIZE to
# the threads, and PostgreSQL's max_connections to workers x threads on every host, plus room).
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request that takes longer than this is a bug or a stuck database: the worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection may hold a thread
# Request head limits (bytes and count): what our pages send, with room.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Recycle workers now and then so a slow leak never grows (jitter: not all at once).
max_requests = 2000
max_requests_jitter = 200
# No control socket: nothing outside this process tree may steer the workers.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    """gunicorn's access log outside Django's logging: the calendar feed's token in a request
    line (the token is the feed's password) is written as `<token>`."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = FEED_TOKEN.sub(r"\1<token>", atoms[key])
        return atoms


logger_class = RedactingLogger

"""Gunicorn settings of ``make run`` (``manage.py run``) and the compose file's ``web`` service:
``gunicorn aims.wsgi:application --config aims/gunicorn.conf.py --bind ADDRESS``.

Workers and threads are sized to the machine within the database's connection budget
(``aims/webserver.py``): read from PostgreSQL as the server starts, so a server that cannot fit
does not start, and says why, instead of failing requests with "too many clients already".
Further gunicorn options: ``GUNICORN_CMD_ARGS``.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aims.settings")

import django  # noqa: E402

django.setup()

from aims import embedded  # noqa: E402
from aims.webserver import ConnectionBudgetError, plan_from_server  # noqa: E402

embedded.start()  # development without DATABASE_URL: the embedded PostgreSQL
try:
    _plan = plan_from_server()
except ConnectionBudgetError as error:
    sys.exit(f"The web server does not start: {error}")
print(_plan.describe(), file=sys.stderr, flush=True)

worker_class = "gthread"
workers = _plan.workers
threads = _plan.threads
# A request gets 60 s (a slow page is a bug; reports render in the Celery worker).
timeout = 60
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so slow growth of memory cannot accumulate.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# No control socket (gunicornc): it would be one path per user, shared by every server.
control_socket_disable = True

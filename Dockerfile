# syntax=docker/dockerfile:1
# Production image of the AIMS platform. docker-compose.yml runs it as `web` (gunicorn),
# `worker` and `beat` (Celery) and `migrate` (one-shot). Settings come from the environment
# only: var/ (with its development dev.env) is never copied into the image (.dockerignore).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    AIMS_MODE=production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    CHANGE_LOG_ANCHOR_DIR=/data/change-log-anchors

# WeasyPrint's system libraries (Pango, HarfBuzz; harfbuzz-subset makes embedding the Japanese
# font in PDFs fast) and GNU gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 gettext \
 && rm -rf /var/lib/apt/lists/*

# The processes run as this unprivileged user; /data (media and change log anchor volumes, beat
# schedule) is its own.
RUN groupadd --system --gid 10001 aims \
 && useradd --system --uid 10001 --gid aims --create-home --home-dir /home/aims \
      --shell /usr/sbin/nologin aims \
 && mkdir -p /data/media /data/change-log-anchors \
 && chown -R aims:aims /data

WORKDIR /app

# Runtime dependencies first, at the exact versions of requirements.lock, so that a code change
# does not reinstall them; then the project itself (its metadata) without dependencies. The
# `embedded` (development servers) and `dev` (test tools) extras never go into this image.
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml ./
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info

COPY . .

# compilemessages and collectstatic load the settings, which in production mode require these
# variables. The values below exist only for this RUN line (nothing connects to them) and are
# not kept in the image; the real ones come from the environment at run time.
RUN export SECRET_KEY="build-only-$(head -c 40 /dev/urandom | base64)" \
      CHANGE_LOG_HMAC_KEY="build-only-$(head -c 40 /dev/urandom | base64)" \
      ALLOWED_HOSTS=build.invalid \
      DATABASE_URL=postgres://build@build.invalid/build \
      REDIS_URL=redis://build.invalid:6379/0 \
 && if find . -path '*/locale/*' -name '*.po' | grep -q .; then \
      python manage.py compilemessages; \
    fi \
 && python manage.py collectstatic --noinput

USER aims
EXPOSE 8000
CMD ["gunicorn", "aims.wsgi:application", "--config", "aims/gunicorn.conf.py", "--bind", "0.0.0.0:8000"]

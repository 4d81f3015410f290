# syntax=docker/dockerfile:1
# 泸惠托 production image. By default it runs the web process (gunicorn, gthread); the same image
# runs the migrations, the Celery worker and the Celery beat (see docker-compose.yml).
#
#   docker build -t luhuituo .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: the runtime dependencies of pyproject.toml in a virtualenv ------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

WORKDIR /build
COPY pyproject.toml ./
# Only [project].dependencies (not the [test] extra), read from pyproject.toml. The project's
# own packages are deliberately not installed into site-packages: settings.py derives BASE_DIR
# (templates/, static/, locale/) from its own location, so the code must run from /app.
# This layer is rebuilt only when pyproject.toml changes.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
 && pip install -r requirements.txt

# --- source: the build context, with an (optional) locale/ guaranteed to exist -----------------
FROM ${PYTHON_IMAGE} AS source
WORKDIR /src
COPY . .
RUN mkdir -p locale

# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint renders the PDFs with Pango; Noto CJK supplies the Chinese glyphs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 luhuituo \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/luhuituo --create-home \
        --shell /usr/sbin/nologin luhuituo

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=luhuituo.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

COPY --from=builder /opt/venv /opt/venv

# The code is owned by root and read-only for the app user; only /app/var (uploads, the beat
# schedule — volumes in docker-compose.yml) is writable.
WORKDIR /app
COPY manage.py ./
COPY luhuituo ./luhuituo
COPY registry ./registry
COPY supervision ./supervision
COPY evaluation ./evaluation
COPY parents ./parents
COPY templates ./templates
COPY static ./static
COPY --from=source /src/locale ./locale

# collectstatic needs the production settings to load, not the services: the values below are
# throwaway, build-only dummies (nothing connects to that database or Redis) and are not kept
# in the image. The WeasyPrint render checks that Pango loads and warms the font cache.
RUN SECRET_KEY=build-only-dummy-secret-key-not-used-at-runtime \
    FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1mZXJuZXQta2V5LW5vdC1zZWNyZXQ= \
    DATABASE_URL=postgres://build-only:build-only@127.0.0.1:5432/build-only \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    ALLOWED_HOSTS=build-only.invalid \
    EMAIL_URL=smtp://127.0.0.1:25 \
    python manage.py collectstatic --noinput \
 && python -m compileall -q luhuituo registry supervision evaluation parents \
 && python -c "import weasyprint; weasyprint.HTML(string='<p>\u6cf8\u60e0\u6258</p>').write_pdf()" \
 && mkdir -p /app/var/media \
 && chown -R 10001:10001 /app/var

USER 10001:10001

EXPOSE 8000

# /healthz/ is exempt from the HTTPS redirect but still checks the Host header, so the probe
# sends the first ALLOWED_HOSTS entry (leading "." of a domain wildcard stripped).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = [x.strip().lstrip('.') for x in os.environ.get('ALLOWED_HOSTS', '').split(',') if x.strip() not in ('', '*')]; r.urlopen(r.Request('http://127.0.0.1:8000/healthz/', headers={'Host': (h or ['localhost'])[0]}), timeout=4)"]

# Inside the compose network only Caddy reaches port 8000, so every forwarder is trusted. The
# control socket (gunicornc) goes to the writable /app/var, not the app user's home.
CMD ["gunicorn", "luhuituo.wsgi:application", \
     "--worker-class", "gthread", "--workers", "2", "--threads", "4", \
     "--bind", "0.0.0.0:8000", "--access-logfile", "-", \
     "--forwarded-allow-ips", "*", "--timeout", "60", \
     "--control-socket", "/app/var/gunicorn.ctl"]

# The bot's image. Build: docker build -t refundbot .   Run: see compose.yaml and the
# README's "Deploying" section. Configuration comes from the environment (never baked in:
# .env is in .dockerignore).
FROM python:3.11-slim

# In a container /healthz, /metrics and the webhook must be reachable from outside it.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HTTP_LISTEN=0.0.0.0 \
    HTTP_PORT=9464 \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8443 \
    FILES_DIR=/data/files

WORKDIR /app
COPY . .
# The lock (requirements/bot.txt: exact versions with hashes, PostgreSQL's drivers included,
# which compose.yaml's DATABASE_URL needs), then the bot itself built with the locked
# setuptools. The wheel carries templates/ and locales/ inside the bot package
# (tests/test_packaging.py).
RUN pip install -r requirements/bot.txt \
    && pip install --no-deps --no-build-isolation . \
    && useradd --create-home --uid 10001 refundbot \
    && mkdir -p /data \
    && chown refundbot /data

USER refundbot
# The default SQLite file (when DATABASE_URL is not set) and FILES_DIR live here.
WORKDIR /data
EXPOSE 8443 9464

# 200 from /healthz means the database answers; a 503 or no answer fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HTTP_PORT', '9464'), timeout=4)"

# Long polling by default; compose.yaml runs `refundbot run --webhook`.
CMD ["refundbot", "run"]

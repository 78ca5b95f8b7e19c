# Förderradar: `foerderradar serve` (schedule, and the web app when [web] is enabled) as a non-root user.
# docker-compose.yml beside this file runs it with PostgreSQL and Mailpit; docs/deployment.md explains it.
#
# The base image is pinned to an exact release (not a digest: bump it on purpose, with the changelog read).
FROM python:3.11.14-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The code and the shipped config belong to root: the app reads them and never writes them.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY foerderradar ./foerderradar
RUN pip install --no-cache-dir .
# The shipped config, used when nothing is mounted over it (docker-compose.yml mounts ./config here,
# writable: the web app edits measures and portals).
COPY config ./config
ENV FOERDERRADAR_CONFIG=/app/config

# The one directory the app writes: its working directory, holding the crawler's HTTP cache
# (.foerderradar-cache, runner.DEFAULT_CACHE_DIR) and, without FOERDERRADAR_DATABASE_URL, the SQLite
# file foerderradar.db. Created here with its owner, so a named volume mounted on it starts out
# owned by the app's user.
RUN groupadd --system --gid 10001 foerderradar \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/foerderradar --no-create-home \
        --shell /usr/sbin/nologin foerderradar \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/foerderradar /var/lib/foerderradar/.foerderradar-cache

USER 10001:10001
WORKDIR /var/lib/foerderradar

ENTRYPOINT ["foerderradar"]
CMD ["serve"]

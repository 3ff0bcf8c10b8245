# Modelyard's container image: `modelyard serve`, configured only by MODELYARD_* variables
# (see the README's Configuration and Deploy sections). Build: docker build -t modelyard .
# Stage 1 builds a virtual environment; stage 2 is the slim runtime with just that venv.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build
RUN python -m venv /opt/modelyard
COPY pyproject.toml README.md ./
COPY src ./src
# Every dependency ships a manylinux wheel: no compiler needed, and none reaches the runtime.
RUN /opt/modelyard/bin/pip install --no-cache-dir . \
    && /opt/modelyard/bin/python -m compileall -q /opt/modelyard/lib

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Modelyard" \
      org.opencontainers.image.description="Self-hosted bring-your-own-key model hub" \
      org.opencontainers.image.licenses="MIT"
RUN groupadd --system --gid 10001 modelyard \
    && useradd --system --uid 10001 --gid modelyard --no-create-home \
       --home-dir /var/lib/modelyard --shell /usr/sbin/nologin modelyard \
    && install -d -o modelyard -g modelyard -m 0700 /var/lib/modelyard
COPY --from=build /opt/modelyard /opt/modelyard
COPY deploy/docker/healthcheck.py /opt/modelyard/healthcheck.py
# Listen on every interface of the container; keep usage journals in the data directory (a
# volume, so that a killed container's last calls are stored when it starts again); drain
# for 10 s on SIGTERM so a load balancer stops sending first (stop_grace_period must be longer).
ENV PATH=/opt/modelyard/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MODELYARD_HOST=0.0.0.0 \
    MODELYARD_PORT=8080 \
    MODELYARD_DATA_DIR=/var/lib/modelyard \
    MODELYARD_DRAIN_SECONDS=10
USER 10001:10001
WORKDIR /var/lib/modelyard
VOLUME ["/var/lib/modelyard"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/opt/modelyard/healthcheck.py"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["modelyard", "serve"]

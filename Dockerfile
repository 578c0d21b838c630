# The userpool server, from this clone (README: "Running in containers").
#   docker build -t userpool .
#   docker run -p 9229:9229 -v userpool-data:/var/lib/userpool/data userpool
# Two stages: wheels are built with the full toolchain, the runtime image only installs them.
# tests/test_container_recipe.py checks this file against a real server (no docker needed).

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[server,postgres]"

FROM python:3.12-slim
# A system user with a fixed uid, owning only its data directory: the server never runs as root.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/userpool --create-home userpool \
 && install -d -o userpool -g userpool -m 0700 /var/lib/userpool/data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "userpool[server,postgres]" && rm -rf /wheels
USER userpool
WORKDIR /var/lib/userpool
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
VOLUME ["/var/lib/userpool/data"]
EXPOSE 9229
# /healthz: the process answers (no database, so a slow database does not get it restarted);
# load balancers should use /readyz (database reachable, migrations current). Python's stdlib
# only: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9229/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["userpool", "serve"]
CMD ["--host", "0.0.0.0", "--port", "9229", "--data-dir", "/var/lib/userpool/data"]

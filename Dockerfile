# syntax=docker/dockerfile:1
#
# One image for the whole suite: `nest build` compiles all five apps, and the APP variable picks
# the one a container runs (gateway, event-store, registry, telemetry or scaler).
#
#   docker build -t evento-server .                    # APP defaults to gateway
#   docker build -t evento-gateway --build-arg APP=gateway .
#   docker run -e APP=registry -e OPERATOR_TOKEN=... evento-server   # any app from any build
#
# The image is production-flavoured: NODE_ENV=production (so OPERATOR_TOKEN is required) and
# HTTP_HOST=0.0.0.0. Every other setting is an environment variable; see .env.example.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- deps: every dependency, for the build --------------------------------------------------
FROM ${NODE_IMAGE} AS deps
# No install-time telemetry (@scarf/scarf comes with @nestjs/swagger).
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build: compile every app into dist/apps/<app>/src/main.js -----------------------------
FROM deps AS build
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY libs ./libs
COPY apps ./apps
RUN npm run build

# ---- prod-deps: runtime dependencies only -----------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
ENV SCARF_ANALYTICS=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# Default app of this image; override at run time with the APP environment variable.
ARG APP=gateway
ENV APP=${APP} \
    NODE_ENV=production \
    HTTP_HOST=0.0.0.0
WORKDIR /app
# Files stay owned by root and read-only to the app, which runs as the image's `node` user
# (numeric, so Kubernetes can verify runAsNonRoot).
COPY --from=prod-deps /app/package.json /app/package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 1000:1000
# gateway, event-store, registry, telemetry, scaler (each app's default HTTP_PORT)
EXPOSE 3000 3001 3002 3003 3004
# `exec` replaces the shell, so node is PID 1 and gets SIGTERM directly (graceful drain).
CMD ["sh", "-c", "if [ ! -f \"dist/apps/$APP/src/main.js\" ]; then echo \"Unknown APP '$APP'; one of:\" $(ls dist/apps) >&2; exit 64; fi; exec node dist/apps/$APP/src/main.js"]

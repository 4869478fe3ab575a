# syntax=docker/dockerfile:1
# Latchkey: build with the dev dependencies, run with the production ones only.
#   docker build -t latchkey \
#     --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#   docker run IMAGE                  # migrate, then serve on :3000 (the default command)
#   docker run IMAGE migrate          # or any other `latchkey` command:
#   docker run -i IMAGE users create --email ann@example.com --name Ann --role admin --account Acme
# test/system/image.test.ts performs these same steps without Docker; keep the two in step.

# Node.js 26 is the Active LTS line (since October 2026); 24 (Maintenance LTS) also works.
ARG NODE_VERSION=26

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script here (argon2 loads the prebuilt
# binary it ships, which needs Node >= 22.14; see the README's quick start for older Node).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-slim AS runtime
# OCI image annotations. VERSION follows package.json (test/system/image.test.ts checks it);
# REVISION (the commit) and CREATED (RFC 3339) come from the build command above.
ARG NODE_VERSION
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Latchkey" \
      org.opencontainers.image.description="A standalone authorization server: applications, account-scoped tokens, consent, and fast token introspection." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="node:${NODE_VERSION}-slim"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY views ./views
# DATA_DIR is used only by the embedded database (no DATABASE_URL) and the mail outbox (no SMTP_URL);
# mount a volume there to keep it. Nothing else is written: the image runs with --read-only
# given a tmpfs for /tmp (and for /data when it is not a volume).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /healthz.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]

# One image runs every Tracardi component by command:
#   api --role public|private, worker collector|background|workflow|apm, gui, standalone, license …
# The operator image is the same build with a different entrypoint (node dist/operator/main.js).

FROM node:24-slim AS build
WORKDIR /app
# better-sqlite3 may need to compile if no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY runtime ./runtime
COPY operator ./operator
COPY bench ./bench
COPY console ./console
COPY tracker ./tracker
# dist/console: the web console `tracardi gui` (and standalone) serves; dist/tracker: the tracker script.
RUN npx tsc -p tsconfig.json && npx vite build -c console/vite.config.ts && npm run -s build:tracker \
 && npm prune --omit=dev

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    TRACARDI_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system --gid 10001 tracardi \
 && useradd --system --uid 10001 --gid tracardi --home-dir /app --shell /usr/sbin/nologin tracardi \
 && mkdir -p /data && chown tracardi:tracardi /data
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
USER 10001:10001
EXPOSE 8686 8687 8688 8787
VOLUME ["/data"]
ENTRYPOINT ["node", "dist/runtime/cli.js"]
CMD ["standalone"]

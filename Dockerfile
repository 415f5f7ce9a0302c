# One image for the worker, the API and the mail sink. docker-compose.yml picks the process with
# `command:`; by default the API runs. TypeScript is run by tsx (a dependency), as in `npm start`.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Dependencies first, so that a change to the sources does not reinstall them.
# Runtime dependencies only (tsx included); vitest, drizzle-kit and typescript are not needed to run.
COPY package.json package-lock.json ./
# postgres.js is patched at install (patches/, see README "Choices"): the patch must be there first.
COPY patches ./patches
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
# The administrators' console (web/src → web/dist; esbuild and the DSFR are runtime dependencies).
RUN npx tsx web/build.ts

# The workflow bundle the worker loads (worker/workflow-bundle.ts), built once here: the worker then
# finds it for these sources and never runs webpack at start.
RUN npx tsx worker/workflow-bundle.ts

# The mail sink writes its messages in .data/mail. docker-compose.yml mounts a named volume there,
# and a fresh volume takes the ownership of this directory.
RUN mkdir -p .data/mail && chown -R node:node .data
USER node

EXPOSE 3000 3025
CMD ["npx", "tsx", "api/main.ts"]

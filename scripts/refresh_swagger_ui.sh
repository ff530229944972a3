#!/bin/sh
# Refreshes the Swagger UI files that /schema/swagger serves (src/idmevents/static/vendor/swagger-ui/)
# from the npm package swagger-ui-dist. Only this script needs npm: the files are committed, so
# `make run` and the tests work without it.
#
#   scripts/refresh_swagger_ui.sh            # the version below
#   scripts/refresh_swagger_ui.sh 5.36.0     # another version (then update VERSION below)
set -eu

VERSION="${1:-5.35.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="$ROOT/src/idmevents/static/vendor/swagger-ui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null
tar -xzf "swagger-ui-dist-$VERSION.tgz"
mkdir -p "$TARGET"
rm -f "$TARGET"/*
# The bundle (with React and the standalone preset's needs), its stylesheet, and the licence.
for file in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
    if [ -f "package/$file" ]; then
        cp "package/$file" "$TARGET/$file"
    fi
done
printf 'swagger-ui-dist %s (npm), Apache-2.0: see LICENSE and NOTICE.\nRefreshed by scripts/refresh_swagger_ui.sh; do not edit these files by hand.\n' \
    "$VERSION" >"$TARGET/VERSION"
# The bundle ends with a source map comment naming a file we do not ship: drop it, so that
# browsers' developer tools do not ask for a missing file.
sed -i '/^\/\/# sourceMappingURL=/d' "$TARGET/swagger-ui-bundle.js"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$TARGET/swagger-ui.css"
ls -l "$TARGET"

#!/usr/bin/env bash
# Re-fetch the browser libraries and the Hunan map vendored into the package (no CDN at run time).
#   echarts@6 dist/echarts.min.js  -> gaoxin/web/static/vendor/echarts.min.js
#   htmx.org@2 dist/htmx.min.js    -> gaoxin/web/static/vendor/htmx.min.js   (pinned to 2: htmx 4 changed semantics)
#   swagger-ui-dist@5 bundle + css -> gaoxin/web/static/vendor/ (for /api/docs)
#   echarts@4.9.0 map/json/province/hunan.json (UTF8Encoding-compressed) -> decoded plain GeoJSON
#                                   -> gaoxin/reference/map/hunan.geojson
# Usage: scripts/vendor-js.sh   (needs npm and a registry; run from the repository root)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ECHARTS_VERSION="${ECHARTS_VERSION:-6.1.0}"
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
SWAGGER_VERSION="${SWAGGER_VERSION:-5.35.0}"   # Swagger UI for /api/docs
MAP_ECHARTS_VERSION="4.9.0"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "echarts@${ECHARTS_VERSION}" "htmx.org@${HTMX_VERSION}" >/dev/null
mkdir e6 hx && tar -xzf "echarts-${ECHARTS_VERSION}.tgz" -C e6 && tar -xzf "htmx.org-${HTMX_VERSION}.tgz" -C hx
npm pack --silent "echarts@${MAP_ECHARTS_VERSION}" >/dev/null
npm pack --silent "swagger-ui-dist@${SWAGGER_VERSION}" >/dev/null
mkdir sw && tar -xzf swagger-ui-dist-*.tgz -C sw
mkdir e4 && tar -xzf "echarts-${MAP_ECHARTS_VERSION}.tgz" -C e4
mkdir -p "$ROOT/gaoxin/web/static/vendor" "$ROOT/gaoxin/reference/map"
cp e6/package/dist/echarts.min.js "$ROOT/gaoxin/web/static/vendor/echarts.min.js"
cp e6/package/LICENSE "$ROOT/gaoxin/web/static/vendor/LICENSE.echarts"
cp hx/package/dist/htmx.min.js "$ROOT/gaoxin/web/static/vendor/htmx.min.js"
cp hx/package/LICENSE "$ROOT/gaoxin/web/static/vendor/LICENSE.htmx" 2>/dev/null || true
cp sw/package/swagger-ui-bundle.js sw/package/swagger-ui.css "$ROOT/gaoxin/web/static/vendor/"
cp sw/package/LICENSE "$ROOT/gaoxin/web/static/vendor/LICENSE.swagger-ui" 2>/dev/null || true
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY=python3
"$PY" -m gaoxin.web.geojson_decode e4/package/map/json/province/hunan.json "$ROOT/gaoxin/reference/map/hunan.geojson"
echo "已更新：echarts ${ECHARTS_VERSION}、htmx ${HTMX_VERSION}、湖南地图（echarts ${MAP_ECHARTS_VERSION}）"

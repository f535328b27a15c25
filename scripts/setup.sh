#!/usr/bin/env bash
# Set up Gaoxin on a fresh Debian/Ubuntu machine: system packages, a virtual environment, the package.
#   bash scripts/setup.sh          # runtime only (CJK fonts for charts/reports, LibreOffice for PDF)
#   bash scripts/setup.sh --test   # plus test tools (Chromium for browser tests, poppler for PDF checks)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
[ "${1:-}" = "--test" ] && WITH_TEST=1

# --- system packages (Debian names); skipped when already present or when we cannot install ---
pkgs=(fonts-noto-cjk fonts-wqy-zenhei libreoffice-writer-nogui)
[ "$WITH_TEST" = 1 ] && pkgs+=(chromium poppler-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" != 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  if [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; then
    echo "[gaoxin] 安装系统软件包：${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "[gaoxin] 警告：缺少系统软件包 ${missing[*]}，且无 root 权限安装；图表中文字体或 PDF 报告可能不可用。" >&2
  fi
fi

# --- Python virtual environment ---
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.13 python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then PY="$cand"; break; fi
  done
fi
[ -n "$PY" ] || { echo "[gaoxin] 需要 Python ≥ 3.11" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
extra=""
[ "$WITH_TEST" = 1 ] && extra="[test]"
.venv/bin/python -m pip install -q -e ".${extra}" 2>&1 | grep -vE "^WARNING: Location|BuildBackendWarning|^\s*!!|^\s*\*+|^\s*$|corresp|Please|By 20|See https|with strategy|editable|name as your package|folders in your" || true
.venv/bin/python -c "import gaoxin" || { echo "[gaoxin] 安装失败" >&2; exit 1; }
echo "[gaoxin] 环境就绪：$(.venv/bin/python --version)，虚拟环境 .venv"

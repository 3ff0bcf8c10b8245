#!/usr/bin/env bash
# Refresh the web UI's vendored npm assets (no CDN at run time, no node_modules in the tree):
#   Pico CSS  -> src/modelyard/web/static/vendor/pico/   (MIT, the UI's base styles)
#   axe-core  -> tests/web/vendor/axe-core/              (MPL-2.0, the accessibility tests)
# Usage: scripts/update_vendor.sh [pico-version] [axe-version]; then run the browser tests
# (tests/web/test_design_browser.py, tests/web/test_accessibility_browser.py) and commit.
set -euo pipefail
cd "$(dirname "$0")/.."
PICO_VERSION=${1:-2.1.1}
AXE_VERSION=${2:-4.14.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack <package@version> <dir>: the registry's tarball, through npm's own client
  (cd "$work" && npm pack --silent "$1" >/dev/null)
  mkdir -p "$work/$2"
  tar xzf "$work"/*.tgz -C "$work/$2" --strip-components=1
  rm "$work"/*.tgz
}

unpack "@picocss/pico@$PICO_VERSION" pico
dest=src/modelyard/web/static/vendor/pico
mkdir -p "$dest"
cp "$work/pico/css/pico.min.css" "$work/pico/LICENSE.md" "$dest/"
echo "@picocss/pico $PICO_VERSION" >"$dest/VERSION"

unpack "axe-core@$AXE_VERSION" axe
dest=tests/web/vendor/axe-core
mkdir -p "$dest"
cp "$work/axe/axe.min.js" "$work/axe/LICENSE" "$work/axe/LICENSE-3RD-PARTY.txt" "$dest/"
echo "axe-core $AXE_VERSION" >"$dest/VERSION"
echo "vendored @picocss/pico $PICO_VERSION and axe-core $AXE_VERSION"

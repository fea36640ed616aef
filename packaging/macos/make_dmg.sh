#!/bin/sh
# Wrap the macOS app in a disk image with an Applications shortcut to drag it onto.
# Run on macOS after the bundle is built:
#   python packaging/build.py && sh packaging/macos/make_dmg.sh
# Output: packaging/dist/Cellsight-<version>-macos-<arch>.dmg
# The app is ad-hoc signed by PyInstaller, not notarised: on first start, analysts
# right-click it and choose Open (see packaging/README.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
python=${PYTHON:-python3}
version=$("$python" "$root/packaging/identity.py" version)
app="$root/packaging/build/bundle/Cellsight.app"
[ -d "$app" ] || { echo "make_dmg.sh: $app is missing; run python packaging/build.py" >&2; exit 1; }
command -v hdiutil >/dev/null 2>&1 || { echo "make_dmg.sh: hdiutil is macOS only" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
out="$root/packaging/dist/Cellsight-$version-macos-$(uname -m).dmg"
mkdir -p "$root/packaging/dist"
rm -f "$out"
hdiutil create -volname "Cellsight $version" -srcfolder "$stage" -fs HFS+ -format UDZO "$out"
echo "$out ($(du -h "$out" | cut -f1))"

#!/bin/sh
# Installs the system libraries Qt needs (and the tools the tests use) when missing.
# Usage: packaging/sysdeps.sh run|test|bench     — needs root (or sudo) only if something is missing.
set -eu
run_pkgs="libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 \
libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \
libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxrender1 libxi6 fonts-dejavu-core \
fonts-wqy-microhei tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra"
test_pkgs="xvfb xauth dpkg-dev desktop-file-utils appstream fakeroot binutils"
# The team-backend tests build and run a real OpenSearch node (packaging/opensearch-node): a
# JDK (17 or 21) and Maven, unless a javac and an mvn are already on PATH.
command -v javac >/dev/null 2>&1 || test_pkgs="$test_pkgs default-jdk-headless"
command -v mvn >/dev/null 2>&1 || test_pkgs="$test_pkgs maven"
# Recoll, measured beside Cellsight in the same run; poppler's pdftotext, one of the PDF
# libraries compared; LibreOffice writes the benchmark corpus's PDFs with real fonts.
bench_pkgs="recollcmd python3-recoll poppler-utils libreoffice-writer-nogui"
want="$run_pkgs"
[ "${1:-run}" = "test" ] && want="$run_pkgs $test_pkgs"
[ "${1:-run}" = "bench" ] && want="$run_pkgs $test_pkgs $bench_pkgs"
command -v dpkg-query >/dev/null 2>&1 || { echo "sysdeps: not a Debian/Ubuntu system; install Qt's libraries yourself" >&2; exit 0; }
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "sysdeps: installing$missing" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "sysdeps: missing$missing — run as root or install them with apt" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

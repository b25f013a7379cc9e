#!/usr/bin/env bash
# Install the Debian converters the attachment extractors use (idempotent).
#
#   DOC / WPS / XLS -> DOCX : LibreOffice headless (libreoffice-writer-nogui, -calc-nogui)
#   DOC fallback (text only): antiword
#   OCR of image-only reports: tesseract-ocr + tesseract-ocr-chi-sim
#   Rendering PDFs whose Chinese fonts are not embedded: fonts-wqy-zenhei (+ poppler-data)
#   Checking `xxgk report` in a real browser (tests/flows/test_quality_report.py): chromium
#
# Already-installed packages are skipped: a second run takes 0.1 s. Measured first run on Debian 12
# (package lists fresh, good mirror): 18 s; allow 1-3 minutes for the ~150 MB download elsewhere.
# Usage: scripts/install-converters.sh [--no-office] [--no-browser]   (root, or with sudo)
set -euo pipefail

PACKAGES=(antiword tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei poppler-data)
if [[ " $* " != *" --no-office "* ]]; then
  PACKAGES+=(libreoffice-writer-nogui libreoffice-calc-nogui)
fi
if [[ " $* " != *" --no-browser "* ]]; then
  PACKAGES+=(chromium)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-converters: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi

echo "install-converters: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are missing or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-converters: done"

#!/usr/bin/env bash
# Installs every Debian 12 package Fusion Workstation needs to build, run and test.
# Idempotent: when everything is installed it changes nothing and does not touch the network.
# Usage: packaging/setup-debian.sh            (as root, or with sudo available)
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # Qt 6.4: Widgets, OpenGLWidgets, Concurrent, Test, LinguistTools
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-l10n-tools qt6-translations-l10n libgl-dev libglx-dev
  # imaging toolkits
  libvtk9-dev libinsighttoolkit5-dev libdcmtk-dev dcmtk
  # headless display for GUI tests and screenshots; software OpenGL
  xvfb xauth libgl1-mesa-dri libglx-mesa0 fonts-dejavu-core fonts-noto-cjk
  # compressed DICOM: OpenJPEG decodes JPEG 2000 and HTJ2K; opj_compress/ojph_compress make test data
  libopenjp2-7-dev libopenjp2-tools openjph-tools
  # peer tools that tests compare against
  dcm2niix dicom3tools elastix
  # an independent reader of our ITK transform files (test_registration_plastimatch)
  plastimatch
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# System tools the registry tests need: docker-registry (CNCF distribution, a local OCI
# registry), skopeo (an independent OCI client) and htpasswd (apache2-utils, basic-auth users);
# and chromium (headless), which the browser test shows the PR comment in.
# Idempotent: installs only what is missing, so a machine that has them costs nothing.
# Debian/Ubuntu only; elsewhere it says what to install and exits 0 (the tests then skip).
set -euo pipefail

missing=()
[[ -x /usr/bin/docker-registry ]] || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
# Any Chromium does (tests/browser_support.py looks for these names): GitHub's Ubuntu runners
# ship google-chrome, and Ubuntu's own chromium package is only a snap wrapper.
have_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome; }
have_chromium >/dev/null 2>&1 || missing+=(chromium)

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-tools: no apt-get here; install ${missing[*]} to run the registry" \
    "and browser tests" >&2
  exit 0
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "install-system-tools: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

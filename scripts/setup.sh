#!/usr/bin/env bash
# Installs what halab's tests, lab and demo need on Debian/Ubuntu. Idempotent: it installs only
# what is missing. Needs root for apt-get (run it with sudo if you are not root).
# --with-code-server also installs code-server for the test/vscode suite (npm test does this).
set -euo pipefail

# Debian package → a command it provides (to tell whether it is installed already).
declare -A NEED=(
  [haproxy]=/usr/sbin/haproxy
  [keepalived]=/usr/sbin/keepalived
  [nginx]=/usr/sbin/nginx
  [openssh-server]=/usr/sbin/sshd
  [openssh-client]=/usr/bin/ssh-keygen
  [iproute2]=/usr/sbin/ip
  [util-linux]=/usr/bin/unshare
  [psmisc]=/usr/bin/killall
  [curl]=/usr/bin/curl
  [openssl]=/usr/bin/openssl
  [nftables]=/usr/sbin/nft
  [iputils-arping]=/usr/bin/arping
  [chromium]=/usr/bin/chromium
  [ansible]=/usr/bin/ansible-playbook
  [ansible-lint]=/usr/bin/ansible-lint
  # a lab of machines (`lab { hosts machines }`): boots systemd-nspawn machines from a base root
  # debootstrap builds, with a package mirror apt-ftparchive indexes
  [systemd-container]=/usr/bin/systemd-nspawn
  [debootstrap]=/usr/sbin/debootstrap
  [apt-utils]=/usr/bin/apt-ftparchive
)
missing=()
for pkg in "${!NEED[@]}"; do
  [ -x "${NEED[$pkg]}" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "halab setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "halab setup: run as root (sudo npm test / sudo bash scripts/setup.sh) so apt-get can install them." >&2
    exit 1
  fi
  echo "halab setup: installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts services on install where it can; halab's lab runs its own copies inside network
# namespaces, so the machine-wide ones must not hold ports or VIPs.
for svc in haproxy keepalived nginx; do
  if pgrep -x "$svc" >/dev/null 2>&1 && [ -z "$(ls /var/lib/halab/lab 2>/dev/null)" ]; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
done
echo "halab setup: system packages ready"
# The test suite also drives a real VS Code (code-server from npm, cached outside the repo).
if [ "${1:-}" = "--with-code-server" ] && [ "${HALAB_SKIP_VSCODE:-}" != "1" ]; then
  bash "$(dirname "$0")/install-code-server.sh" >/dev/null
  echo "halab setup: code-server ready"
fi

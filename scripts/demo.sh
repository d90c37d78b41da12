#!/usr/bin/env bash
# `npm run demo`: the main job on a fresh Debian/Ubuntu machine. Installs what is missing (root),
# builds, brings up the local lab (network namespaces on 198.18.0.0/24), deploys
# examples/lab.halab, runs the failover test and prints the report. Needs root (for apt-get and
# for the lab's namespaces): run it as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "halab demo: the local lab needs root (network namespaces, a bridge, sshd per host)." >&2
  echo "halab demo: run: sudo npm run demo" >&2
  exit 1
fi
bash scripts/setup.sh
npm run --silent build
FILE=examples/lab.halab
halab() { node dist/cli.js "$@"; }
# The example reads its secrets from the environment; make throwaway ones for the demo.
export HALAB_STATS_PASSWORD="${HALAB_STATS_PASSWORD:-$(openssl rand -hex 12)}"
export HALAB_VRRP_AUTH="${HALAB_VRRP_AUTH:-$(openssl rand -hex 4)}"
# No secret goes to the terminal: the stats password waits in a root-only file for whoever wants
# the stats page.
PWFILE="$(dirname "${HALAB_LAB_DIR:-/var/lib/halab/lab}")/demo-stats-password"
mkdir -p "$(dirname "$PWFILE")"
(umask 077 && printf '%s\n' "$HALAB_STATS_PASSWORD" >"$PWFILE")

echo; echo "== 1. check $FILE"
halab check "$FILE"
echo "   no problems"
echo; echo "== 2. lab up: four hosts in network namespaces, each with its own sshd"
halab lab up "$FILE"
echo; echo "== 3. deploy (plan, validate on the target, swap, reload, verify)"
halab deploy "$FILE" --yes
echo; echo "== 4. the sites through the VIP, as the seed's tutorial checked them with curl"
for h in web01.lab.test web02.lab.test; do
  printf '   %-16s → ' "$h"; curl -s --max-time 3 -H "Host: $h" http://198.18.0.100/ || echo "(no answer)"
done
echo; echo "== 5. failover test: kill haproxy on the primary, measure what clients see"
set +e
halab failover-test "$FILE"
verdict=$?
set -e
cat <<MSG

== Done. The lab is still up, so you can look around:
   curl -H 'Host: web01.lab.test' http://198.18.0.100/
   curl -u "admin:\$(cat $PWFILE)" http://198.18.0.100:8080/      (stats; the password is in $PWFILE, 0600)
   node dist/cli.js lab status $FILE
   node dist/cli.js lab down $FILE                                     (removes everything)

Open it in VS Code: npm run package, then
   code --install-extension halab-*.vsix && code $FILE
and use the code lenses on the \`topology\` line: Render · Deploy · Failover test · Open Topology.
MSG
exit $verdict

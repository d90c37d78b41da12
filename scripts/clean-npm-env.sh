# Sourced (not run) before a nested npm: clears what an outer `npm test` / `npm run` exported.
#
# npm exports one npm_config_* variable per config key (user_agent among them: "npm/11 node/v20…"),
# plus npm_lifecycle_*, npm_package_*, npm_execpath, INIT_CWD… A nested npm run reads them as
# its own config, which is wrong for a separate install: code-server's postinstall reads the Node
# version from $npm_config_user_agent and refuses under Node 24 ("requires node v24 … you are on
# node v20"). Kept: only the settings a user sets on purpose to reach a registry (where, through
# which proxy, with which CA and cache).
#   . scripts/clean-npm-env.sh
KEEP_NPM_CONFIG='^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|http_proxy|noproxy|no_proxy|cafile|ca|strict_ssl|fetch_retries|fetch_timeout)$'
while IFS= read -r var; do
  [[ "${var,,}" =~ $KEEP_NPM_CONFIG ]] || unset "$var"
done < <(compgen -e | grep -iE '^(npm_|init_cwd$)' || true)
unset KEEP_NPM_CONFIG var

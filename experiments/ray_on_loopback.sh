#!/usr/bin/env bash
# Run a command against a real Ray head that is reachable on loopback only, then stop it.
#
#   experiments/ray_on_loopback.sh <command...>
#
# The head and the command run inside a network namespace of their own that has
# nothing but the loopback interface (Ray's head otherwise listens on every
# interface, ../shared/PITFALLS.md), so no traffic can leave 127.0.0.1, and in a
# PID namespace of their own: `ray stop` sees only this head, and whatever is left
# when the command ends dies with the namespace, so heads started side by side
# (two tests at once) never stop each other. Inside, RAY_ADDRESS points at the
# head, and RAY_AUTH_MODE=token with a fresh RAY_AUTH_TOKEN gives this head and
# its clients a token of their own (not ~/.ray/auth_token, which heads started
# at the same time would overwrite). Needs root (or unprivileged user namespaces: -r).
# Example:
#   experiments/ray_on_loopback.sh .venv/bin/python -m simulation.run -m hydra/launcher=ray_cluster seed=range(0,8)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ray_bin="${RAY_BIN:-$here/.venv/bin/ray}"
[ "$(id -u)" = 0 ] && ns=(unshare -npf --mount-proc) || ns=(unshare -rnpf --mount-proc)
export RAY_AUTH_MODE=token RAY_AUTH_TOKEN="${RAY_AUTH_TOKEN:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
export RAY_TMPDIR="${RAY_TMPDIR:-$(mktemp -d /tmp/ray-loopback.XXXXXX)}"
port="${RAY_PORT:-6380}"
inner=$(cat <<INNER
set -euo pipefail
ip link set lo up
trap '"$ray_bin" stop --force >/dev/null 2>&1 || true' EXIT
"$ray_bin" start --head --node-ip-address=127.0.0.1 --port=$port --num-cpus=\${RAY_NUM_CPUS:-2} \
    --include-dashboard=false --disable-usage-stats >"$RAY_TMPDIR/ray-start.log" 2>&1
export RAY_ADDRESS=127.0.0.1:$port
"\$@"
INNER
)
status=0
"${ns[@]}" bash -c "$inner" ray-on-loopback "$@" || status=$?
rm -rf "$RAY_TMPDIR"
exit $status

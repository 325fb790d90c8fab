#!/usr/bin/env bash
# Run a command against a real Ray head that is reachable on loopback only, then stop it.
#
#   experiments/ray_on_loopback.sh <command...>
#
# The head and the command run inside a network namespace of their own that has
# nothing but the loopback interface (Ray's head otherwise listens on every
# interface, docs/sweeps.md "Ray on loopback"), so no traffic can leave 127.0.0.1. At the
# end, every process of that namespace is stopped — this head and whatever the
# command left, and nothing else: `ray stop` would stop every Ray head of the
# machine, so two heads started side by side (two tests at once) stopped each
# other. Inside, RAY_ADDRESS points at the head, and RAY_AUTH_MODE=token with a
# fresh RAY_AUTH_TOKEN gives this head and its clients a token of their own (not
# ~/.ray/auth_token, which heads started at the same time would overwrite).
# Needs root (or unprivileged user namespaces: -r).
# Example:
#   experiments/ray_on_loopback.sh .venv/bin/python -m simulation.run -m hydra/launcher=ray_cluster seed=range(0,8)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ray_bin="${RAY_BIN:-$here/.venv/bin/ray}"
[ "$(id -u)" = 0 ] && ns=(unshare -n) || ns=(unshare -rn)
export RAY_AUTH_MODE=token RAY_AUTH_TOKEN="${RAY_AUTH_TOKEN:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
# Ray's session files go to a folder of this script's own, removed at the end; under the caller's
# RAY_TMPDIR if one is given (which is kept, with everything else in it).
export RAY_TMPDIR="$(mktemp -d "${RAY_TMPDIR:-/tmp}/ray.XXXXXX")"  # short: Ray's socket paths live under it
port="${RAY_PORT:-6380}"
inner=$(cat <<'INNER'
set -euo pipefail
ip link set lo up
# The processes of this network namespace, but this shell and the subshell that lists them ($BASHPID in
# $(ours): without it the list is never empty, and stopping waited its full 5 s every time).
ours() {
    local me d
    me=$(readlink /proc/$$/ns/net)
    for d in /proc/[0-9]*; do
        [ "${d#/proc/}" != $$ ] && [ "${d#/proc/}" != "$BASHPID" ] \
            && [ "$(readlink "$d/ns/net" 2>/dev/null)" = "$me" ] && echo "${d#/proc/}"
    done
    return 0
}
stop_ours() {
    local pids
    pids=$(ours)
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 50); do
        [ -z "$(ours)" ] && return 0
        sleep 0.1
    done
    kill -KILL $(ours) 2>/dev/null || true
}
trap stop_ours EXIT
"$RAY_BIN" start --head --node-ip-address=127.0.0.1 --port="$RAY_PORT" --num-cpus="${RAY_NUM_CPUS:-2}" \
    --include-dashboard=false --disable-usage-stats >"$RAY_TMPDIR/ray-start.log" 2>&1
export RAY_ADDRESS=127.0.0.1:$RAY_PORT
"$@"
INNER
)
status=0
RAY_BIN="$ray_bin" RAY_PORT="$port" "${ns[@]}" bash -c "$inner" ray-on-loopback "$@" || status=$?
rm -rf "$RAY_TMPDIR"
exit $status

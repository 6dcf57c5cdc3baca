#!/usr/bin/env bash
# Installs what Flotilla needs on Debian 12 (run as root), skipping everything already present:
#  - Debian packages for the cluster and its tests (apt-get update only when one is missing);
#  - npm dependencies (npm ci when node_modules is missing or older than package-lock.json),
#    then checks that better-sqlite3's native module really loads and rebuilds it when it does not.
# Idempotent; takes well under a second when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup: $*"; }

# etcd-server: distributed store; etcd-client: etcdctl, which saves and restores etcd snapshots
# (flotilla backup/restore; Debian's 3.4 has no etcdutl); runc + conmon: containers; containernetworking-plugins: pod
# network (iptables: the portmap plugin's hostPort rules, iptables-nft on Debian); nftables:
# services; iproute2: netns and routes; busybox-static: test image content;
# docker-registry: local OCI registry for pull tests.
# wrk: the load generator of bench/api-bench.ts (creates over HTTPS from a second process).
# python3-kubernetes, ruby-kubeclient: official client libraries the client tests run (test/clients-*.test.ts).
# haproxy: the nodes' L7 proxy (Ingress); chromium: the browser the dashboard tests drive.
packages=(etcd-server etcd-client runc conmon containernetworking-plugins iptables nftables iproute2 busybox-static docker-registry wrk apache2-utils conntrack socat python3-kubernetes ruby-kubeclient haproxy chromium)
declare -A installed=()
while read -r name status; do
  [[ "$status" == ii* ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
  [[ -n "${installed[$p]-}" ]] || missing+=("$p")
done

if (( ${#missing[@]} > 0 )); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  else
    log "installing Debian packages: ${missing[*]}"
    # Keep the packages' own services (etcd, docker-registry) from starting: tests run their own.
    created_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
    (( created_policy )) && rm -f /usr/sbin/policy-rc.d
  fi
fi

# The default image's busybox: Debian's dynamically linked build, unpacked beside the system (the
# package conflicts with busybox-static, which the host keeps). Its shell looks commands up in PATH,
# so the image's /bin/wget script stands in for busybox's broken `wget -T`.
busybox_dir=/usr/local/lib/flotilla/busybox
if [[ ! -x $busybox_dir/bin/busybox && $(id -u) -eq 0 ]]; then
  log "unpacking Debian's busybox for the default image into $busybox_dir"
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download -qq busybox 2>/dev/null || { apt-get update -qq && apt-get download -qq busybox; }) &&
    dpkg-deb -x "$tmp"/busybox_*.deb "$tmp/x"; then
    install -D -m 0755 "$tmp/x/bin/busybox" "$busybox_dir/bin/busybox"
  else
    log "could not download Debian's busybox; the default image uses busybox-static (its wget -T crashes)" >&2
  fi
  rm -rf "$tmp"
fi

if [[ -L node_modules ]]; then
  # A git worktree sharing another checkout's dependencies: npm ci would empty the shared folder.
  log "node_modules is a link to $(readlink node_modules); not reinstalling through it"
elif [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm dependencies (npm ci; better-sqlite3 compiles from source, about a minute)"
  npm ci --no-audit --no-fund
fi

# npm 11 may skip install scripts of packages not allowed to run them; make sure the native
# SQLite binding and esbuild (used by tsx) are really there.
if ! node -e "new (require('better-sqlite3'))(':memory:').close()" >/dev/null 2>&1; then
  log "building better-sqlite3's native module (npm rebuild)"
  npm rebuild better-sqlite3 esbuild
  node -e "new (require('better-sqlite3'))(':memory:').close()"
fi

# Our malloc_trim addon (native/malloc-trim, an optional dependency: the server runs without it,
# only keeps more memory after bursts). npm may skip its install script: build it when missing.
if ! node -e "require('flotilla-malloc-trim').trim()" >/dev/null 2>&1; then
  log "building the malloc-trim addon (npm rebuild flotilla-malloc-trim)"
  npm rebuild flotilla-malloc-trim >/dev/null 2>&1 || log "malloc-trim addon did not build; the server will run without it" >&2
fi

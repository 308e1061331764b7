#!/bin/sh
# Starts Deno's Jupyter kernel with the deno binary of this clone's node_modules, so the
# kernel spec holds no absolute path and works from any checkout (`npm ci` installs deno).
# Usage (by Jupyter, through kernel.json): run-kernel.sh CONNECTION_FILE
set -eu
[ $# -eq 1 ] || { echo "usage: run-kernel.sh CONNECTION_FILE" >&2; exit 2; }

# The repo root is three levels above this folder (notebooks/kernels/deno). If the spec was
# copied elsewhere (e.g. `jupyter kernelspec install`), fall back to the kernel's working
# directory, which Jupyter sets to the notebook's folder inside the repo.
find_deno() {
  dir=$1
  while [ -n "$dir" ]; do
    if [ -x "$dir/node_modules/.bin/deno" ]; then echo "$dir/node_modules/.bin/deno"; return 0; fi
    [ "$dir" = "/" ] && break
    dir=$(dirname "$dir")
  done
  return 1
}
here=$(cd "$(dirname "$0")" && pwd)
deno=$(find_deno "$here" || find_deno "$PWD") || {
  echo "run-kernel.sh: no node_modules/.bin/deno above $here or $PWD; run 'npm ci' in the repo" >&2
  exit 1
}

# No update check, no permission prompts: a headless kernel must never wait on a person or
# the network. Packages come from node_modules ("nodeModulesDir": "manual" in deno.json).
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
exec "$deno" jupyter --kernel --conn "$1"

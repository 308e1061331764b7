#!/bin/sh
# Executes notebooks headless with the repo's Deno kernel (notebooks/kernels/deno); executed
# copies go to runs/notebooks/ (git-ignored), the committed notebooks stay output-free.
# No timing metadata is recorded, so the same data gives byte-identical executed notebooks.
# Usage: notebooks/execute.sh [NOTEBOOK.ipynb ...]     default: every notebooks/*.ipynb
#   NOTEBOOK_OUT_DIR   where executed copies go (default: runs/notebooks)
#   NOTEBOOK_FORMAT    nbconvert target: notebook (default) or html (charts inline)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${NOTEBOOK_OUT_DIR:-$root/runs/notebooks}
command -v jupyter >/dev/null 2>&1 || {
  echo "execute.sh: jupyter not found; install: apt-get install -y --no-install-recommends jupyter-nbconvert" >&2
  exit 1
}
[ $# -gt 0 ] || set -- "$root"/notebooks/*.ipynb
# JUPYTER_PATH must be absolute: the kernel spec's {resource_dir} is resolved from it, and the
# kernel runs in the notebook's folder, not here.
JUPYTER_PATH="$root/notebooks" exec jupyter nbconvert --to "${NOTEBOOK_FORMAT:-notebook}" --execute \
  --ExecutePreprocessor.timeout=120 --ExecutePreprocessor.startup_timeout=60 \
  --ExecutePreprocessor.record_timing=False \
  --output-dir "$out" "$@"

#!/usr/bin/env bash
# GPU checks, in one go, on a machine with a CUDA GPU: the CUDA tests and an end-to-end
# grading of the solutions on the GPU. Run from the repository root:
#   PYTHONPATH=. bash scripts/gpu_check.sh
# Prints a summary; exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
export PYTHONPATH="${PYTHONPATH:-.}" NO_COLOR=1 PYTHONUNBUFFERED=1
export GRADER_CACHE="${GRADER_CACHE:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
status=0
echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
echo "== CUDA tests"
if "$PY" -c "import pytest, pytest_timeout" 2>/dev/null; then
  "$PY" -m pytest -m cuda tests/test_cuda.py -q -p no:cacheprovider -rs || status=1
else
  echo "pytest/pytest-timeout missing: install them to run the CUDA tests"; status=1
fi
echo "== python -m grader solutions --device cuda"
"$PY" -m grader solutions --device cuda || status=1
echo "== python -m grader solutions --device cuda --hidden -q"
"$PY" -m grader solutions --device cuda --hidden -q || status=1
echo "== summary: $([ $status = 0 ] && echo ALL PASSED || echo FAILURES)"
exit $status

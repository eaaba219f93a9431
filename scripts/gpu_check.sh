#!/usr/bin/env bash
# The whole GPU check, in one go, on a machine with a CUDA GPU (and its own torch: run from
# the tree, the pinned torch is not needed). From the repository root:
#   PYTHONPATH=. bash scripts/gpu_check.sh [OUTDIR]
# Steps: the `cuda`-marked tests (hostile CUDA cases and bwrap on the GPU among them), the
# solutions and the stubs on cuda, a notebook on cuda, and a 40-submission batch on cuda at
# -j = cores against the same batch on the CPU (scripts/gpu_batch.py). Writes OUTDIR/log.txt
# and OUTDIR/summary.json (default OUTDIR: $OUT where set, else ./gpu-check); exits non-zero
# when any step failed. Meant to finish in under 8 minutes.
set -u
cd "$(dirname "$0")/.."
OUTDIR="${1:-${OUT:-gpu-check}}"
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
export PYTHONPATH="${PYTHONPATH:-.}" NO_COLOR=1 PYTHONUNBUFFERED=1
export GRADER_CACHE="${GRADER_CACHE:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
LOG="$OUTDIR/log.txt"
STEPS="$OUTDIR/steps.tsv"
: >"$LOG"; : >"$STEPS"
JOBS="$(nproc)"
N="${GPU_CHECK_N:-40}"  # submissions in the batch step

# step NAME COMMAND...: run it, log its output, record its exit status and seconds
step() {
  local name="$1"; shift
  local start end rc
  echo "== $name: $*" | tee -a "$LOG"
  start=$EPOCHREALTIME
  "$@" >>"$LOG" 2>&1; rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$(awk "BEGIN {print $EPOCHREALTIME - $start}")" >>"$STEPS"
  echo "   exit $rc" | tee -a "$LOG"
}

# expect_score JSON PERCENT: the report's percent is PERCENT (and nothing was skipped)
expect_score() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
print("percent", report["percent"], "skipped points", report["skipped_points"], "device", report["device"])
sys.exit(0 if report["percent"] == float(sys.argv[2]) and report["skipped_points"] == 0 and report["device"] == "cuda" else 1)
EOF
}

grade_expecting() {  # grade_expecting NAME PERCENT PATH ARGS...
  local name="$1" percent="$2"; shift 2
  "$PY" -m grader "$@" --device cuda --json "$OUTDIR/$name.json" && expect_score "$OUTDIR/$name.json" "$percent"
}

echo "== device" | tee -a "$LOG"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee -a "$LOG"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())" 2>&1 | tee -a "$LOG"
"$PY" -c "import pynvml" 2>/dev/null || echo "note: nvidia-ml-py is missing: GPU memory per student is not bounded" | tee -a "$LOG"

if "$PY" -c "import pytest, pytest_timeout" 2>/dev/null; then
  step cuda_tests "$PY" -m pytest -m cuda tests/test_cuda.py -q -p no:cacheprovider -rs
else
  echo "pytest/pytest-timeout missing: install them to run the CUDA tests" | tee -a "$LOG"
  printf 'cuda_tests\t1\t0\n' >>"$STEPS"
fi
step solutions_cuda grade_expecting solutions 100 solutions
step solutions_cuda_hidden grade_expecting solutions-hidden 100 solutions --hidden
step stubs_cuda grade_expecting stubs 0 exercises
step notebook_cuda grade_expecting notebook 100 tests/fixtures/practical2_student.ipynb
step batch_cuda_vs_cpu "$PY" scripts/gpu_batch.py --n "$N" -j "$JOBS" --json "$OUTDIR/batch.json"

"$PY" - "$STEPS" "$OUTDIR" <<'EOF' | tee -a "$LOG"
import json, os, sys
steps = [dict(zip(("step", "exit", "seconds"), line.rstrip("\n").split("\t"))) for line in open(sys.argv[1]) if line.strip()]
for s in steps:
    s["exit"], s["seconds"] = int(s["exit"]), round(float(s["seconds"] or 0), 1)
batch = os.path.join(sys.argv[2], "batch.json")
summary = {"passed": all(s["exit"] == 0 for s in steps), "steps": steps,
           "batch": json.load(open(batch)) if os.path.exists(batch) else None}
json.dump(summary, open(os.path.join(sys.argv[2], "summary.json"), "w"), indent=2)
for s in steps:
    print(f"{s['step']:24s} {'ok' if s['exit'] == 0 else 'FAILED'} ({s['seconds']} s)")
print("== summary:", "ALL PASSED" if summary["passed"] else "FAILURES", "->", os.path.join(sys.argv[2], "summary.json"))
sys.exit(0 if summary["passed"] else 1)
EOF

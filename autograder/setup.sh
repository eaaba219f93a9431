#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip's files
# (this repository, or a course folder with its course.toml, with setup.sh and
# run_autograder at its root: see README) are in /autograder/source. Install the grader,
# then check the course once: that also caches the reference results in the image, so no
# submission pays for them.
set -euo pipefail
source_dir="${AUTOGRADER_SOURCE:-/autograder/source}"

apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv bubblewrap >/dev/null
python3 -m venv /opt/grader-venv
# CPU wheels: Gradescope machines have no GPU (CUDA checks are reported as skipped).
/opt/grader-venv/bin/pip install -q --index-url https://download.pytorch.org/whl/cpu \
  torch==2.14.1 torchvision==0.29.1
# The grader: this repository, or (for a course kept apart from it, whose zip holds only the
# course folder) what GRADER_PACKAGE names: a path, a git URL or a wheel.
if [ -n "${GRADER_PACKAGE:-}" ]; then
  /opt/grader-venv/bin/pip install -q "$GRADER_PACKAGE"
else
  /opt/grader-venv/bin/pip install -q -e "$source_dir"
fi

cd "$source_dir"
# Fails the image build (not a student's submission) when the course material is broken;
# on the way it caches the reference of both the public and the hidden variant.
/opt/grader-venv/bin/python -m grader selfcheck

# Try to leave files in the repository, the grader package and the host's /tmp.
import os

import grader

REPO = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
for folder in (REPO, os.path.join(REPO, "grader"), "/tmp"):
    path = os.path.join(folder, "HOSTILE_MARKER.txt")
    try:
        with open(path, "w") as fh:
            fh.write("was here")
        print(f"wrote {path}")
    except OSError as exc:
        print(f"could not write {path}: {exc}")

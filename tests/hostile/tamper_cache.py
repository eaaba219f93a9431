# Rewrite every reference cache entry it can find (expected values gone): every honest
# student graded from that cache afterwards would fail every check.
import glob
import os

import grader

repo = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
folders = {os.environ.get("GRADER_CACHE") or "", os.path.join(repo, ".grader-cache")} - {""}
entries = [p for folder in folders for p in glob.glob(os.path.join(folder, "reference-*.bin"))]
written = 0
for path in entries:
    try:
        with open(path, "r+b") as fh:
            fh.seek(40)
            fh.write(b"\0" * 64)
        written += 1
    except OSError:
        pass
print(f"cache: {len(entries)} visible, {written} rewritten")

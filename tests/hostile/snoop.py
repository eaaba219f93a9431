# Graded after "litter" (and an honest submission): what can it still find?
import os
import tempfile

folders = (os.getcwd(), os.path.dirname(os.getcwd()), tempfile.gettempdir(), "/dev", "/dev/shm")
found = [f for f in (os.path.join(d, "HOSTILE_MARKER-litter") for d in folders) if os.path.exists(f)]
print(f"litter: {found}")

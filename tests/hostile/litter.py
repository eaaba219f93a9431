# Leave files for whoever is graded next: in the work folder, the scratch folder, /tmp and,
# inside bubblewrap (whose /dev is its own), /dev and /dev/shm.
import os
import tempfile

with open("/proc/1/cmdline", "rb") as fh:
    private_dev = ["/dev", "/dev/shm"] if b"bwrap" in fh.read() else []
for folder in [os.getcwd(), os.path.dirname(os.getcwd()), tempfile.gettempdir(), *private_dev]:
    try:
        with open(os.path.join(folder, "HOSTILE_MARKER-litter"), "w") as fh:
            fh.write("left for the next submission")
    except OSError:  # a worker that left root cannot write the scratch folder above its own
        pass

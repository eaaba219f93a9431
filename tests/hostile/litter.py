# Leave files for whoever is graded next: in the work folder, the scratch folder and /tmp.
import os
import tempfile

for folder in (os.getcwd(), os.path.dirname(os.getcwd()), tempfile.gettempdir()):
    try:
        with open(os.path.join(folder, "HOSTILE_MARKER-litter"), "w") as fh:
            fh.write("left for the next submission")
    except OSError:  # a worker that left root cannot write the scratch folder above its own
        pass

# System calls a submission has no use for: each one that does not fail is listed.
import ctypes
import errno
import os

libc = ctypes.CDLL(None, use_errno=True)
NUMBERS = {"x86_64": {"ptrace": 101, "process_vm_readv": 310, "bpf": 321, "keyctl": 250, "userfaultfd": 323,
                      "perf_event_open": 298, "unshare": 272, "mount": 165, "setns": 308, "kcmp": 312},
           "aarch64": {"ptrace": 117, "process_vm_readv": 270, "bpf": 280, "keyctl": 219, "userfaultfd": 282,
                       "perf_event_open": 241, "unshare": 97, "mount": 40, "setns": 268, "kcmp": 272}}[os.uname().machine]
ARGS = {"ptrace": (16, os.getppid(), 0, 0),  # PTRACE_ATTACH to the zygote
        "process_vm_readv": (os.getppid(), 0, 0, 0), "bpf": (0, 0, 0, 0), "keyctl": (0, -3, 0, 0),
        "userfaultfd": (0, 0, 0, 0), "perf_event_open": (0, 0, -1, -1),
        "unshare": (0x10000000, 0, 0, 0), "mount": (0, 0, 0, 0), "setns": (-1, 0, 0, 0),
        "kcmp": (os.getpid(), os.getppid(), 0, 0)}
allowed = []
for name, number in NUMBERS.items():
    result = libc.syscall(number, *[ctypes.c_long(a) for a in ARGS[name]])
    if result >= 0 or ctypes.get_errno() != errno.EPERM:
        allowed.append(f"{name} ({result}, {errno.errorcode.get(ctypes.get_errno(), '?')})")
print(f"allowed: {allowed}")

"""A seccomp filter for the system calls a submission has no use for (EPERM instead).

The deny list follows Docker's default profile (moby/profiles, seccomp/default.json): the
calls it allows only with CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_SYS_BOOT,
CAP_SYS_TIME, CAP_SYS_RAWIO, CAP_SYS_PACCT, CAP_DAC_READ_SEARCH or never, plus the
``clone`` namespace flags it filters, ``clone3`` answered ENOSYS (libc then uses ``clone``,
whose flags a filter can see) and io_uring, which later Docker releases block. No
maintained Python binding of libseccomp installs from PyPI, so the classic BPF program is
built here: check the architecture, then one comparison and one return per denied call.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

#: Denied on every architecture (names as in the kernel's tables).
DENIED = (
    "open_by_handle_at", "name_to_handle_at", "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev",
    "kcmp", "bpf", "keyctl", "add_key", "request_key", "userfaultfd", "perf_event_open", "fanotify_init",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "unshare", "setns", "swapon", "swapoff", "reboot", "acct", "quotactl", "quotactl_fd",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "vhangup",
    "syslog", "lookup_dcookie", "nfsservctl", "io_uring_setup", "io_uring_enter", "io_uring_register",
    # x86_64 only (absent from the aarch64 table)
    "iopl", "ioperm", "uselib", "_sysctl", "create_module", "get_kernel_syms", "query_module", "ustat", "sysfs",
)

#: AUDIT_ARCH value and call numbers (from asm/unistd_64.h and asm-generic/unistd.h).
TABLES = {
    "x86_64": (0xC000003E, {
        "open_by_handle_at": 304, "name_to_handle_at": 303, "pidfd_getfd": 438, "ptrace": 101,
        "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312, "bpf": 321, "keyctl": 250, "add_key": 248,
        "request_key": 249, "userfaultfd": 323, "perf_event_open": 298, "fanotify_init": 300, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176, "mount": 165,
        "umount2": 166, "pivot_root": 155, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "unshare": 272, "setns": 308, "swapon": 167,
        "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179, "quotactl_fd": 443, "settimeofday": 164,
        "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159, "sethostname": 170, "setdomainname": 171,
        "vhangup": 153, "syslog": 103, "lookup_dcookie": 212, "nfsservctl": 180, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "iopl": 172, "ioperm": 173, "uselib": 134, "_sysctl": 156,
        "create_module": 174, "get_kernel_syms": 177, "query_module": 178, "ustat": 136, "sysfs": 139,
        "clone": 56, "clone3": 435}),
    "aarch64": (0xC00000B7, {
        "open_by_handle_at": 265, "name_to_handle_at": 264, "pidfd_getfd": 438, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "bpf": 280, "keyctl": 219, "add_key": 217,
        "request_key": 218, "userfaultfd": 282, "perf_event_open": 241, "fanotify_init": 262, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106, "mount": 40,
        "umount2": 39, "pivot_root": 41, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "unshare": 97, "setns": 268, "swapon": 224,
        "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60, "quotactl_fd": 443, "settimeofday": 170,
        "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171, "sethostname": 161, "setdomainname": 162,
        "vhangup": 58, "syslog": 116, "lookup_dcookie": 18, "nfsservctl": 42, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "clone": 220, "clone3": 435}),
}

#: clone flags that make a namespace (NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET)
CLONE_NAMESPACES = 0x80 | 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
X32_SYSCALL_BIT = 0x40000000

LD_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (ARG0: its low 32 bits on little-endian)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


class SeccompUnavailable(OSError):
    """This machine cannot take the filter (unknown architecture, or the kernel refused it)."""


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions for ``machine`` (default: this one)."""
    machine = machine or platform.machine()
    if machine not in TABLES:
        raise SeccompUnavailable(f"no system call table for {machine}")
    arch, numbers = TABLES[machine]
    deny = (RET, 0, 0, RET_ERRNO | errno.EPERM)
    code = [(LD_ABS, 0, 0, ARCH), (JEQ, 1, 0, arch), deny, (LD_ABS, 0, 0, NR)]
    if machine == "x86_64":  # the x32 ABI reaches the same calls under other numbers
        code += [(JGE, 0, 1, X32_SYSCALL_BIT), deny]
    for name in DENIED:
        if name in numbers:
            code += [(JEQ, 0, 1, numbers[name]), deny]
    code += [(JEQ, 0, 1, numbers["clone3"]), (RET, 0, 0, RET_ERRNO | errno.ENOSYS)]
    code += [(JEQ, 0, 3, numbers["clone"]), (LD_ABS, 0, 0, ARG0), (JSET, 0, 1, CLONE_NAMESPACES), deny]
    return code + [(RET, 0, 0, RET_ALLOW)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install() -> None:
    """Apply the filter to this thread and everything it starts, for good (no new privileges either)."""
    code = program()
    raw = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *insn) for insn in code))
    prog = _SockFprog(len(code), ctypes.cast(raw, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise SeccompUnavailable(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise SeccompUnavailable(ctypes.get_errno(), "the kernel refused the seccomp filter")

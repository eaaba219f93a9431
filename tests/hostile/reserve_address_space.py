import mmap

_add_inplace = add_inplace_


def add_inplace_(x, y):
    # What a CUDA context does at start: reserve a huge range of addresses, never backed by
    # memory (PROT_NONE). The memory limit must admit it, then the call goes on as usual.
    reserved = mmap.mmap(-1, 64 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=0)
    try:
        return _add_inplace(x, y)
    finally:
        reserved.close()

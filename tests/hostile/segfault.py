def add_inplace_(x, y):
    import ctypes

    return ctypes.string_at(0)

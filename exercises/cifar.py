"""Module 2, part 3: playing with CIFAR-10 images.

CIFAR-10 holds 32x32 colour images. torchvision stores them as a uint8 numpy array
of shape (N, 32, 32, 3) ("NHWC": height, width, then the 3 colour channels), while
PyTorch's convolutions want float tensors of shape (N, 3, 32, 32) ("NCHW").

Fill in every ``raise NotImplementedError`` below. Check your work with
``python -m grader exercises/cifar.py``. The checks use a small fake CIFAR folder with the
real on-disk format; to look at the real images, download them once with
``torchvision.datasets.CIFAR10("data", download=True)``.
"""

import torch
import torchvision


def load_cifar_uint8(root, train=True):
    """Return the CIFAR-10 images under ``root`` as a uint8 numpy array of shape (N, 32, 32, 3).

    ``train`` selects the training set (True) or the test set (False).

    Hint: ``torchvision.datasets.CIFAR10(root, train=train, download=False)`` loads the
    folder ``root/cifar-10-batches-py``; its ``.data`` attribute is the array you want.

    Pitfall: do not iterate over the dataset (``dataset[i]`` returns PIL images, one at a
    time: slow, and not the raw array); never pass ``download=True`` here.
    """
    raise NotImplementedError("load_cifar_uint8: your code here")


def to_float_nchw(images):
    """Return ``images`` (uint8, shape (N, 32, 32, 3), numpy array or tensor) as a float32 tensor (N, 3, 32, 32) with values in [0, 1].

    Hint: ``torch.as_tensor`` accepts both inputs; ``permute(0, 3, 1, 2)`` moves the
    channel axis to position 1; then convert to float32 and divide by 255.

    Pitfall: ``view``/``reshape`` to (N, 3, 32, 32) gives the right shape with scrambled
    pixels: only ``permute`` moves axes. Dividing a uint8 tensor with ``//`` (or forgetting to
    convert) keeps integers; ``.double()`` gives float64 instead of float32.
    """
    raise NotImplementedError("to_float_nchw: your code here")


def first_images(x, n):
    """Return the first ``n`` images of the batch ``x`` (shape (N, C, H, W)) as a VIEW of ``x``.

    Hint: ``x.narrow(dim, start, length)`` returns a view; here the dimension is 0 and
    the start 0. (``x[:n]`` is a view too.)

    Pitfall: ``x.narrow(0, 1, n)`` starts at the SECOND image; ``.clone()`` gives the
    right values but a copy, so writing into it would not change ``x``.
    """
    raise NotImplementedError("first_images: your code here")


def kill_green_blue_(x):
    """Set the green and blue channels (1 and 2) of the batch ``x`` (N, 3, H, W) to zero, in place, and return ``x``.

    Only the red channel (0) survives: the images turn red.

    Hint: ``x.narrow(1, 1, 2)`` is a view of channels 1 and 2; ``fill_(0)`` on that view
    writes into ``x``.

    Pitfall: ``x.narrow(1, 1, 2) * 0`` or ``x[:, 1:] = ...`` on a copy changes nothing in
    ``x``; ``narrow(1, 0, 2)`` kills red and green instead.
    """
    raise NotImplementedError("kill_green_blue_: your code here")


def channel_means(x):
    """Return the mean of each channel of the float batch ``x`` (N, 3, H, W): a tensor of shape (3,).

    Hint: ``Tensor.mean`` accepts a tuple of dimensions: average over the batch, the
    height and the width, keep the channel.

    Pitfall: ``x.mean(dim=1)`` averages over the channels, the opposite of what you want.
    """
    raise NotImplementedError("channel_means: your code here")


def image_grid(x, nrow=8, padding=2):
    """Return a single image (3, H', W') tiling the batch ``x`` (N, 3, h, w) on a grid, like ``torchvision.utils.make_grid(x, nrow=nrow, padding=padding)``.

    Layout: ``ncol = min(nrow, N)`` images per row (``nrow`` is the number of images in a
    ROW) and ``rows = ceil(N / ncol)`` rows. Each image sits in a cell of
    ``(h + padding, w + padding)`` pixels; the canvas, filled with 0, is
    ``(3, rows * (h + padding) + padding, ncol * (w + padding) + padding)``; image ``k`` goes
    to row ``k // ncol``, column ``k % ncol``, at top-left pixel
    ``(row * (h + padding) + padding, col * (w + padding) + padding)``. Unused cells of the
    last row stay 0. (A batch of ONE image is returned as that image, (3, h, w), without
    padding; the checks use N >= 2.)

    Hint: calling ``torchvision.utils.make_grid`` is allowed; writing the loop with
    ``narrow``/slicing yourself is a good exercise.

    Pitfall: the padding appears once between images and once on each border, not twice
    between images.
    """
    raise NotImplementedError("image_grid: your code here")

"""The only way results cross from a worker to the judge: a small explicit format.

A frame is ``u32 length | u32 header length | JSON header | raw buffers``. The header is a
tree of tagged nodes; tensors and arrays point at byte ranges of the buffers. Decoding uses
``json`` and ``numpy.frombuffer`` only, accepts a fixed list of tags and dtypes, and checks
every size, so whatever a worker writes (a tensor subclass, a forged frame, garbage) can at
worst become an :class:`Unsupported` value or a :class:`WireError`, never code that runs.

``encode`` runs in the worker (it may import torch); ``decode`` runs in the judge and needs
numpy alone.
"""

from grader.wire.decode import FrameReader, check_header_shape, decode_body
from grader.wire.encode import encode_frame, unsupported_node
from grader.wire.values import ArrayValue, DTypeValue, DeviceValue, FrameTooLarge, MAX_CONTAINERS, MAX_DEPTH, MAX_FRAME, MAX_HEADER, MAX_JSON_DEPTH, MAX_NODES, MAX_RAISED_BASES, MAX_RAISED_TEXT, MAX_STR, NUMPY_DTYPES, TORCH_DTYPES, TensorValue, Unsupported, WireError

__all__ = ['ArrayValue', 'DTypeValue', 'DeviceValue', 'FrameReader', 'FrameTooLarge', 'MAX_CONTAINERS', 'MAX_DEPTH', 'MAX_FRAME', 'MAX_HEADER', 'MAX_JSON_DEPTH', 'MAX_NODES', 'MAX_RAISED_BASES', 'MAX_RAISED_TEXT', 'MAX_STR', 'NUMPY_DTYPES', 'TORCH_DTYPES', 'TensorValue', 'Unsupported', 'WireError', 'check_header_shape', 'decode_body', 'encode_frame', 'unsupported_node']

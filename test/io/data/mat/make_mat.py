"""Generates the small MAT v5 test files in this folder (run once; CI needs no scipy).

    /usr/bin/python3 test/io/data/mat/make_mat.py

expected.json holds, for every numeric variable, its shape, numpy dtype and values
flattened in column-major (MATLAB, order='F') order; the uint8 block array also in
row-major (order='C') order so toRowMajor can be checked.
"""
import io
import json
import os
import struct

import numpy as np
import scipy.io
import scipy.sparse

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(0)

# A SIDD-like block array: images x blocks x H x W x RGB.
blocks = rng.integers(0, 256, size=(2, 3, 8, 8, 3), dtype=np.uint8)
other = np.linspace(-1, 1, 12).reshape(3, 4)

numeric = {
    'd': np.array([[1.5, -2.25, 3e100], [np.pi, -0.0, 7.0]]),          # double 2x3
    's': (np.arange(10, dtype=np.float32).reshape(2, 5) / 3 - 1),     # single 2x5
    'i16': np.array([[-32768, -1, 0], [1, 300, 32767]], dtype=np.int16),
    'u16': np.array([[0, 1, 65535]], dtype=np.uint16),
    'i32': np.arange(-6, 18, dtype=np.int32).reshape(2, 3, 4),        # rank 3
    'i8': np.array([[-128, 5], [7, 127]], dtype=np.int8),
    'u32': np.array([[4000000000, 3]], dtype=np.uint32),
    'scalar': np.array([[42.0]]),
    'empty': np.zeros((0, 3)),
    'long_variable_name_here': np.array([[1, 2]], dtype=np.uint8),
}

scipy.io.savemat(os.path.join(HERE, 'blocks_z.mat'), {'blocks': blocks, 'other': other}, do_compression=True)
scipy.io.savemat(os.path.join(HERE, 'blocks_raw.mat'), {'other': other, 'blocks': blocks}, do_compression=False)
scipy.io.savemat(os.path.join(HERE, 'numeric.mat'), numeric, do_compression=False)
scipy.io.savemat(os.path.join(HERE, 'numeric_z.mat'), numeric, do_compression=True)
scipy.io.savemat(os.path.join(HERE, 'unsupported.mat'), {
    'ok': np.array([[1.0, 2.0]]),
    'st': {'a': np.array([[1.0]]), 'b': 'text'},
    'ce': np.array([[np.array([[1.0]]), 'x']], dtype=object),
    'cx': np.array([[1 + 2j, 3 - 4j]]),
    'sp': scipy.sparse.csc_matrix(np.eye(3)),
    'ch': 'hello',
    'ok2': np.array([[3, 4]], dtype=np.int16),
}, do_compression=False)


# What MATLAB itself writes: doubles stored in the smallest integer type that holds them,
# and tiny elements in the 4-byte "small data element" form.
def element(mtype, payload):
    if len(payload) <= 4:
        return struct.pack('<HH', mtype, len(payload)) + payload.ljust(4, b'\0')
    pad = (-len(payload)) % 8
    return struct.pack('<II', mtype, len(payload)) + payload + b'\0' * pad


def matrix(name, cls, dims, storage, payload):
    body = element(6, struct.pack('<II', cls, 0))
    body += element(5, struct.pack('<%di' % len(dims), *dims))
    body += element(1, name.encode())
    body += element(storage, payload)
    return struct.pack('<II', 14, len(body)) + body


header = b'MATLAB 5.0 MAT-file, hand-made like MATLAB R2020 writes'.ljust(116, b' ')
header += b'\0' * 8 + struct.pack('<H', 0x0100) + b'IM'
dbl_u8 = np.array([[0, 1, 2], [200, 255, 7]], dtype=np.uint8)      # double class, miUINT8 storage
dbl_i16 = np.array([[-300, 5]], dtype=np.int16)                      # double class, miINT16 storage
one = np.array([[9]], dtype=np.uint8)                                # 1 byte: small element
with open(os.path.join(HERE, 'matlab_style.mat'), 'wb') as f:
    f.write(header)
    f.write(matrix('dbl_u8', 6, dbl_u8.shape, 2, dbl_u8.tobytes(order='F')))
    f.write(matrix('dbl_i16', 6, dbl_i16.shape, 3, dbl_i16.tobytes(order='F')))
    f.write(matrix('one', 6, one.shape, 2, one.tobytes(order='F')))

# Check scipy reads the hand-made file the same way.
back = scipy.io.loadmat(os.path.join(HERE, 'matlab_style.mat'))
assert (back['dbl_u8'] == dbl_u8).all()  # (scipy keeps the storage type; MATLAB gives double)
assert (back['dbl_i16'] == dbl_i16).all() and back['one'][0, 0] == 9


def dump(a):
    a = np.asarray(a)
    vals = a.flatten(order='F')
    if vals.dtype.kind == 'f':
        vals = [repr(float(v)) for v in vals]  # exact, incl. -0.0 and big numbers
    else:
        vals = [int(v) for v in vals]
    return {'shape': list(a.shape), 'dtype': str(a.dtype), 'F': vals}


expected = {
    'blocks': dict(dump(blocks), C=[int(v) for v in blocks.flatten(order='C')]),
    'other': dump(other),
    'numeric': {k: dump(v) for k, v in numeric.items()},
    'matlab_style': {
        'dbl_u8': dump(dbl_u8.astype(np.float64)),
        'dbl_i16': dump(dbl_i16.astype(np.float64)),
        'one': dump(one.astype(np.float64)),
    },
    'ok': dump(np.array([[1.0, 2.0]])),
    'ok2': dump(np.array([[3, 4]], dtype=np.int16)),
}
with open(os.path.join(HERE, 'expected.json'), 'w') as f:
    json.dump(expected, f, separators=(',', ':'))

"""Generates the small torch.save test files in this folder (run once; CI has no torch).

    python3 test/io/data/make_pth.py

Every tensor's expected float32 values are written beside it into expected.safetensors
(via safetensors-free manual serialisation, so only torch is needed).
"""
import json
import os
import struct
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)

base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 7 - 1.5
big = torch.linspace(-3, 3, 60, dtype=torch.float64).reshape(6, 10)

tensors = OrderedDict()
tensors['f32'] = base.clone()
tensors['f16'] = (base * 1.37).half()
tensors['bf16'] = (base * 2.91).bfloat16()
tensors['f64'] = big.clone()
tensors['i64'] = torch.tensor([[-5, 0, 7], [2 ** 40, -(2 ** 33), 1]], dtype=torch.int64)
tensors['i32'] = torch.tensor([-3, 4, 2 ** 20], dtype=torch.int32)
tensors['u8'] = torch.tensor([0, 1, 200, 255], dtype=torch.uint8)
tensors['bool'] = torch.tensor([True, False, True])
tensors['scalar'] = torch.tensor(3.25)
tensors['empty'] = torch.zeros(0, 3)
# Views: storage offset, transposes, slicing with steps, expand (stride 0).
tensors['offset'] = big.float()[2:5]                      # storage offset 20, contiguous
tensors['transposed'] = big.float().t()                   # strides (1, 10)
tensors['sliced'] = big.float()[1::2, ::3]                # offset 10, strides (20, 3)
tensors['permuted_f16'] = (base * 0.5).half().permute(2, 0, 1)
tensors['expanded'] = torch.tensor([1.5, -2.0, 4.0]).view(3, 1).expand(3, 4)  # stride 0
tensors['bf16_view'] = (big * 0.3).bfloat16()[:, 1:9:2].t()
param = torch.nn.Parameter(torch.randn(4, 3))
tensors['param'] = param

# The views share storages: torch.save writes one storage per base and keeps the views.
sd = OrderedDict((k, v) for k, v in tensors.items())
torch.save({'params': sd, 'note': 'io test', 'iter': 7, 'lr': 1e-4, 'flags': [True, None, (1, 2)]},
           os.path.join(HERE, 'dtypes.pth'))

# A bare state dict with DataParallel names, saved under a non-default archive name.
bare = OrderedDict([('module.conv.weight', torch.randn(2, 1, 3, 3)), ('module.conv.bias', torch.randn(2))])
torch.save(bare, os.path.join(HERE, 'bare_module.pth'))

# params and params_ema sharing one tensor object (memo reference) like BasicSR.
w = torch.randn(3, 2)
b = torch.randn(3)
torch.save({'params': OrderedDict([('w', w), ('b', b)]), 'params_ema': OrderedDict([('w', w * 0.5), ('b', b)])},
           os.path.join(HERE, 'basicsr.pth'))


def write_safetensors(path, named):
    header, blobs, off = {}, [], 0
    for name, t in named.items():
        a = t.detach().to(torch.float32).contiguous().reshape(-1)
        raw = struct.pack('<%df' % a.numel(), *a.tolist())
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    js = json.dumps(header).encode()
    js += b' ' * ((8 - len(js) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(js)) + js + b''.join(blobs))


expected = OrderedDict()
for k, v in tensors.items():
    expected['dtypes.' + k] = v
for k, v in bare.items():
    expected['bare.' + k] = v
expected['basicsr.w'] = w
expected['basicsr.w_ema'] = w * 0.5
expected['basicsr.b'] = b
write_safetensors(os.path.join(HERE, 'expected.safetensors'), expected)
print({f: os.path.getsize(os.path.join(HERE, f)) for f in sorted(os.listdir(HERE))})

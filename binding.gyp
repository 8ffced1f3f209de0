{
  "variables": {
    "dm_cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-fno-signed-zeros", "-fassociative-math", "-fPIC"]
  },
  "targets": [
    {
      "target_name": "diffmamba_kernels_avx2",
      "type": "static_library",
      "sources": ["native/kernels_avx2.cc"],
      "cflags_cc": ["-std=c++17", "<@(dm_cflags)"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", { "cflags_cc": ["-mavx2", "-mfma"] }]
      ]
    },
    {
      "target_name": "diffmamba_kernels_avx512",
      "type": "static_library",
      "sources": ["native/kernels_avx512.cc"],
      "cflags_cc": ["-std=c++17", "<@(dm_cflags)"],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-mavx2", "-mfma", "-mavx512f", "-mavx512dq", "-Wno-maybe-uninitialized"] }]
      ]
    },
    {
      "target_name": "diffmamba_native",
      "sources": ["native/addon.cc", "native/pool.cc", "native/scratch.cc", "native/kernels_generic.cc"],
      "dependencies": ["diffmamba_kernels_avx2", "diffmamba_kernels_avx512"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "<@(dm_cflags)"],
      "ldflags": ["-pthread"]
    }
  ]
}

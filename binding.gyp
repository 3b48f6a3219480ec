{
  "targets": [
    {
      "target_name": "difflab",
      "sources": ["native/difflab.cc", "native/distributed.cc", "native/groupnorm.cc", "native/foreach.cc", "native/cpu-cache.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/torch-config.mjs include)"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-fopenmp", "-fno-trapping-math", "-Wno-unused-parameter", "<!@(node scripts/torch-config.mjs cflags)"],
      "ldflags": ["-fopenmp"],
      "libraries": ["<!@(node scripts/torch-config.mjs libs)"]
    }
  ]
}

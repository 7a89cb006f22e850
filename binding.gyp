{
  "variables": { "sanitize%": "" },
  "targets": [
    {
      "target_name": "nodeinstrument",
      "sources": [
        "native/addon.cc",
        "native/code_event_log.cc",
        "native/code_listing.cc",
        "native/cpu_timer.cc",
        "native/elf_functions.cc",
        "native/flag_probe.cc",
        "native/heap_limit.cc",
        "native/sampler.cc",
        "native/native_symbols.cc",
        "native/memory_monitor.cc",
        "native/script_keeper.cc",
        "native/termination.cc",
        "native/workers.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-omit-frame-pointer"],
      "ldflags": ["-Wl,-z,now"],
      "libraries": ["-lpthread"],
      "conditions": [
        # Sanitizer builds (scripts/test-asan.sh): GYP_DEFINES=sanitize=address,undefined node-gyp rebuild
        ["sanitize!=''", {
          "cflags_cc+": ["-fsanitize=<(sanitize)", "-fno-sanitize-recover=all", "-g"],
          "ldflags+": ["-fsanitize=<(sanitize)"]
        }]
      ]
    }
  ]
}

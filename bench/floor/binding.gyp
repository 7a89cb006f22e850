{
  "targets": [
    {
      "target_name": "floor",
      "sources": ["floor.c"],
      "cflags": ["-O2", "-std=gnu11"],
      "libraries": ["-lpthread"]
    }
  ]
}

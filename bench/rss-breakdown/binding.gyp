{ "targets": [ { "target_name": "mallocdiag", "sources": ["mallocdiag.c"] } ] }

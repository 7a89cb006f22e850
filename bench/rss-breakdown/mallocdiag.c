// Diagnostic only (bench/rss-breakdown/child.js): glibc malloc figures and malloc_trim.
#include <node_api.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static napi_value num(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }
static void set(napi_env env, napi_value o, const char* k, double v) { napi_set_named_property(env, o, k, num(env, v)); }

static napi_value Info(napi_env env, napi_callback_info cbinfo) {
  struct mallinfo2 m = mallinfo2();
  napi_value o; napi_create_object(env, &o);
  set(env, o, "arena", (double)m.arena);       // non-mmapped bytes (all arenas)
  set(env, o, "ordblks", (double)m.ordblks);
  set(env, o, "hblks", (double)m.hblks);
  set(env, o, "hblkhd", (double)m.hblkhd);     // mmapped bytes
  set(env, o, "uordblks", (double)m.uordblks); // in use
  set(env, o, "fordblks", (double)m.fordblks); // free
  set(env, o, "keepcost", (double)m.keepcost);
  return o;
}

static napi_value Xml(napi_env env, napi_callback_info cbinfo) {
  char* buf = NULL; size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  malloc_info(0, f);
  fclose(f);
  napi_value s; napi_create_string_utf8(env, buf, len, &s);
  free(buf);
  return s;
}

static napi_value Trim(napi_env env, napi_callback_info cbinfo) {
  return num(env, malloc_trim(0));
}

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "info", NAPI_AUTO_LENGTH, Info, NULL, &f); napi_set_named_property(env, exports, "info", f);
  napi_create_function(env, "xml", NAPI_AUTO_LENGTH, Xml, NULL, &f); napi_set_named_property(env, exports, "xml", f);
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, NULL, &f); napi_set_named_property(env, exports, "trim", f);
  return exports;
}

// N-API addon: lets the server hand memory that glibc's malloc keeps after a burst back to the
// kernel (malloc_trim), and set malloc's options at run time (mallopt). Elsewhere than glibc both
// are no-ops that return false.
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// trim(): malloc_trim(0) over every arena; true when memory was returned to the kernel.
static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#if defined(__GLIBC__)
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

// mallopt(param, value): glibc's mallopt; true when glibc accepted it.
static napi_value Mallopt(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t param = 0, value = 0;
  int ok = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 2 &&
      napi_get_value_int32(env, argv[0], &param) == napi_ok &&
      napi_get_value_int32(env, argv[1], &value) == napi_ok) {
#if defined(__GLIBC__)
    ok = mallopt(param, value);
#endif
  }
  napi_value result;
  napi_get_boolean(env, ok != 0, &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"trim", NULL, Trim, NULL, NULL, NULL, napi_default, NULL},
    {"mallopt", NULL, Mallopt, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)

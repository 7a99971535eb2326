// libFuzzer target: every message decoder against hostile bytes. A decode
// that succeeds must re-encode to something that decodes again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/messages.h"

using namespace antler;
using namespace antler::msg;

template <class M>
static void one(std::string_view in) {
  M m;
  if (!serde::decode_body(in, m)) return;
  std::string out;
  serde::encode_body(m, out);
  M again;
  if (!serde::decode_body(out, again)) std::abort();
  std::string out2;
  serde::encode_body(again, out2);
  if (out2 != out) std::abort();
}

template <class... M>
static void all(std::string_view in, TypeList<M...>) {
  (one<M>(in), ...);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  all(std::string_view(reinterpret_cast<const char*>(data), size), AllMessages{});
  return 0;
}

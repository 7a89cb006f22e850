#include "native_symbols.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>

namespace nodeinstrument {

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string result = (status == 0 && demangled != nullptr) ? demangled : name;
  std::free(demangled);
  return result;
}

NativeSymbol ResolveNativeAddress(uint64_t address) {
  NativeSymbol result;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(address), &info) == 0) return result;
  if (info.dli_fname != nullptr) result.object = info.dli_fname;
  if (info.dli_sname != nullptr) result.symbol = Demangle(info.dli_sname);
  return result;
}

}  // namespace nodeinstrument

#include "native_symbols.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>

namespace nodeinstrument {

NativeSymbol ResolveNativeAddress(uint64_t address) {
  NativeSymbol result;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(address), &info) == 0) return result;
  if (info.dli_fname != nullptr) result.object = info.dli_fname;
  if (info.dli_sname != nullptr) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
    result.symbol = (status == 0 && demangled != nullptr) ? demangled : info.dli_sname;
    std::free(demangled);
  }
  return result;
}

}  // namespace nodeinstrument

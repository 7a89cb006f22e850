// Names addresses that lie outside JavaScript code: the shared object that
// holds them and, where it exports one, the (demangled) symbol. Runs on the
// JS thread during symbolization, never in the signal handler.
#pragma once

#include <cstdint>
#include <string>

namespace nodeinstrument {

struct NativeSymbol {
  std::string object;  // path of the shared object or executable; "" if unknown
  std::string symbol;  // demangled symbol name; "" if none is exported
};

NativeSymbol ResolveNativeAddress(uint64_t address);

// A C++ symbol name as written in source (the Itanium ABI's demangling); the
// name itself when it is not a mangled one.
std::string Demangle(const char* name);

}  // namespace nodeinstrument

// The functions of an ELF file by address, from its symbol table (.symtab
// where the file keeps one, else .dynsym): what lib/symbolize/elf-symbols.ts
// searches to name a native pc. Read on the JS thread when a recording first
// meets a pc in that file, never in the signal handler. Reading and sorting
// Node's 86,000 functions here takes a few milliseconds; in JavaScript, cold,
// it took 60 (docs/design.md, "Native frames").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nodeinstrument {

struct ElfSegment {
  uint64_t offset;  // file offset of an executable PT_LOAD segment
  uint64_t vaddr;   // its virtual address
  uint64_t size;    // its size in the file
};

struct ElfFunctions {
  // Sorted by start; ends exclusive (a symbol without a size holds one byte).
  std::vector<double> starts;
  std::vector<double> ends;
  // Offsets of the names in the string table, which is left in the file.
  std::vector<uint32_t> name_offsets;
  uint64_t strings_offset = 0;
  uint64_t strings_size = 0;
  std::vector<ElfSegment> segments;
};

// false (and an error) when the file is not a 64-bit little-endian ELF file
// with function symbols, or cannot be read.
bool ReadElfFunctions(const std::string& path, ElfFunctions* out, std::string* error);

}  // namespace nodeinstrument

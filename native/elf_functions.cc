#include "elf_functions.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <numeric>

namespace nodeinstrument {

namespace {

class File {
 public:
  explicit File(const std::string& path) : fd_(open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool Read(uint64_t offset, void* into, size_t size) const {
    auto* bytes = static_cast<char*>(into);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = pread(fd_, bytes + done, size - done, static_cast<off_t>(offset + done));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
};

}  // namespace

bool ReadElfFunctions(const std::string& path, ElfFunctions* out, std::string* error) {
  File file(path);
  if (!file.ok()) {
    *error = "cannot open";
    return false;
  }
  Elf64_Ehdr header;
  if (!file.Read(0, &header, sizeof header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB ||
      header.e_shentsize != sizeof(Elf64_Shdr) || header.e_phentsize != sizeof(Elf64_Phdr)) {
    *error = "not a 64-bit little-endian ELF file";
    return false;
  }
  std::vector<Elf64_Phdr> programs(header.e_phnum);
  if (!file.Read(header.e_phoff, programs.data(), programs.size() * sizeof(Elf64_Phdr))) {
    *error = "cannot read the program headers";
    return false;
  }
  for (const Elf64_Phdr& program : programs) {
    if (program.p_type == PT_LOAD && (program.p_flags & PF_X) != 0) {
      out->segments.push_back({program.p_offset, program.p_vaddr, program.p_filesz});
    }
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  if (!file.Read(header.e_shoff, sections.data(), sections.size() * sizeof(Elf64_Shdr))) {
    *error = "cannot read the section headers";
    return false;
  }
  const Elf64_Shdr* table = nullptr;
  for (const uint32_t type : {SHT_SYMTAB, SHT_DYNSYM}) {
    for (const Elf64_Shdr& section : sections) {
      if (section.sh_type == type) {
        table = &section;
        break;
      }
    }
    if (table != nullptr) break;
  }
  if (table == nullptr || table->sh_link >= sections.size()) {
    *error = "no symbol table";
    return false;
  }
  std::vector<Elf64_Sym> symbols(table->sh_size / sizeof(Elf64_Sym));
  if (!file.Read(table->sh_offset, symbols.data(), symbols.size() * sizeof(Elf64_Sym))) {
    *error = "cannot read the symbol table";
    return false;
  }
  struct Function {
    uint64_t start;
    uint64_t end;
    uint32_t name;
  };
  std::vector<Function> functions;
  functions.reserve(symbols.size());
  for (const Elf64_Sym& symbol : symbols) {
    // Defined functions only (st_shndx 0: one this file imports).
    if (ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_shndx == SHN_UNDEF || symbol.st_value == 0) continue;
    functions.push_back({symbol.st_value, symbol.st_value + std::max<uint64_t>(symbol.st_size, 1), symbol.st_name});
  }
  if (functions.empty()) {
    *error = "no function symbols";
    return false;
  }
  // By start; of aliases at one start, the widest first.
  std::sort(functions.begin(), functions.end(), [](const Function& a, const Function& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  out->starts.reserve(functions.size());
  out->ends.reserve(functions.size());
  out->name_offsets.reserve(functions.size());
  for (const Function& function : functions) {
    out->starts.push_back(static_cast<double>(function.start));
    out->ends.push_back(static_cast<double>(function.end));
    out->name_offsets.push_back(function.name);
  }
  const Elf64_Shdr& strings = sections[table->sh_link];
  out->strings_offset = strings.sh_offset;
  out->strings_size = strings.sh_size;
  return true;
}

}  // namespace nodeinstrument

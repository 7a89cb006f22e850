// V8's listing of existing code (the events it sends inside
// SetJitCodeEventHandler with kJitCodeEventEnumExisting), collected as it
// comes and laid out in columns sorted by address. The log hands it to
// JavaScript as one kCodeEventListing event, which lib/symbolize/code-listing.ts wraps
// in typed arrays as it is: reading about 3,000 events one by one and sorting
// them cost the JS thread about 0.4 ms per recording (docs/benchmarks.md,
// section 12). Pure C++: no V8, no locks (the log's mutex guards it).
//
// Layout of the payload (little-endian; n ranges; offsets from the payload's start):
//   u32 n, u32 zero
//   f64 starts[n], f64 ends[n]          (addresses: exact below 2^53)
//   u32 name_offsets[n], u32 name_lengths[n]
//   u32 line_offsets[n], u32 line_lengths[n]   (line tables: pairs of u32; length 0: none)
//   u8  code_types[n], zero padding to 8
//   names and line tables, each 8-aligned
// Ranges are sorted by start and do not overlap: where V8 listed overlapping
// code (it lists a few objects twice), the later one is kept, as the code map
// keeps the newer of two overlapping ranges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nodeinstrument {

class CodeListingBuilder {
 public:
  // The line position table (bytes of u32 pairs) of the code V8 lists next at `start`.
  void AddLines(uint64_t start, const void* table, uint32_t bytes);
  void AddCode(uint64_t start, uint64_t size, uint8_t code_type, const char* name,
               uint32_t name_len);
  size_t size() const { return ranges_.size(); }
  // The payload described above.
  std::vector<uint8_t> Finish() const;

 private:
  struct Range {
    uint64_t start;
    uint64_t end;
    uint32_t name_offset;  // in blob_
    uint32_t name_length;
    uint32_t line_offset;  // in blob_
    uint32_t line_length;
    uint8_t code_type;
  };
  uint32_t AddToBlob(const void* bytes, uint32_t length);
  // Indices of the ranges to keep, in address order.
  std::vector<uint32_t> Kept() const;

  std::vector<Range> ranges_;
  std::vector<uint8_t> blob_;
  // The last line table, until the code it belongs to comes.
  uint64_t lines_start_ = 0;
  uint32_t lines_offset_ = 0;
  uint32_t lines_length_ = 0;
};

}  // namespace nodeinstrument

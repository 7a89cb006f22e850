#include "code_listing.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>

namespace nodeinstrument {
namespace {

constexpr size_t AlignUp8(size_t n) { return (n + 7) & ~size_t{7}; }

template <typename T>
void Put(std::vector<uint8_t>* out, size_t offset, T value) {
  std::memcpy(out->data() + offset, &value, sizeof(T));
}

}  // namespace

uint32_t CodeListingBuilder::AddToBlob(const void* bytes, uint32_t length) {
  const size_t offset = blob_.size();
  blob_.resize(offset + AlignUp8(length));
  if (length > 0) std::memcpy(blob_.data() + offset, bytes, length);
  return static_cast<uint32_t>(offset);
}

void CodeListingBuilder::AddLines(uint64_t start, const void* table, uint32_t bytes) {
  lines_start_ = start;
  lines_offset_ = AddToBlob(table, bytes);
  lines_length_ = bytes;
}

void CodeListingBuilder::AddCode(uint64_t start, uint64_t size, uint8_t code_type,
                                 const char* name, uint32_t name_len) {
  Range range{};
  range.start = start;
  range.end = start + std::max<uint64_t>(size, 1);
  range.name_offset = AddToBlob(name, name_len);
  range.name_length = name_len;
  range.code_type = code_type;
  if (lines_length_ > 0 && lines_start_ == start) {
    range.line_offset = lines_offset_;
    range.line_length = lines_length_;
  }
  lines_length_ = 0;
  ranges_.push_back(range);
}

std::vector<uint32_t> CodeListingBuilder::Kept() const {
  std::vector<uint32_t> order(ranges_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  // By address; equal starts in the listing's order, so the later one replaces the earlier below.
  std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    return ranges_[a].start != ranges_[b].start ? ranges_[a].start < ranges_[b].start : a < b;
  });
  std::vector<uint32_t> kept;
  kept.reserve(order.size());
  for (uint32_t i : order) {
    if (!kept.empty() && ranges_[kept.back()].start == ranges_[i].start) {
      kept.back() = i;
    } else if (!kept.empty() && ranges_[kept.back()].end > ranges_[i].start) {
      // Overlapping ranges that do not start together (not seen from V8):
      // add them in the listing's order, each evicting what it overlaps.
      std::map<uint64_t, uint32_t> by_start;
      for (uint32_t j = 0; j < ranges_.size(); ++j) {
        const Range& range = ranges_[j];
        auto it = by_start.lower_bound(range.start);
        if (it != by_start.begin() && ranges_[std::prev(it)->second].end > range.start) --it;
        while (it != by_start.end() && it->first < range.end) it = by_start.erase(it);
        by_start.emplace(range.start, j);
      }
      kept.clear();
      for (const auto& [start, index] : by_start) kept.push_back(index);
      return kept;
    } else {
      kept.push_back(i);
    }
  }
  return kept;
}

std::vector<uint8_t> CodeListingBuilder::Finish() const {
  const std::vector<uint32_t> kept = Kept();
  const size_t n = kept.size();
  const size_t starts_at = 8;
  const size_t ends_at = starts_at + 8 * n;
  const size_t name_offsets_at = ends_at + 8 * n;
  const size_t name_lengths_at = name_offsets_at + 4 * n;
  const size_t line_offsets_at = name_lengths_at + 4 * n;
  const size_t line_lengths_at = line_offsets_at + 4 * n;
  const size_t code_types_at = line_lengths_at + 4 * n;
  const size_t blob_at = AlignUp8(code_types_at + n);
  std::vector<uint8_t> out(blob_at + blob_.size(), 0);
  Put<uint32_t>(&out, 0, static_cast<uint32_t>(n));
  for (size_t k = 0; k < n; ++k) {
    const Range& range = ranges_[kept[k]];
    Put<double>(&out, starts_at + 8 * k, static_cast<double>(range.start));
    Put<double>(&out, ends_at + 8 * k, static_cast<double>(range.end));
    Put<uint32_t>(&out, name_offsets_at + 4 * k, static_cast<uint32_t>(blob_at + range.name_offset));
    Put<uint32_t>(&out, name_lengths_at + 4 * k, range.name_length);
    if (range.line_length > 0) {
      Put<uint32_t>(&out, line_offsets_at + 4 * k, static_cast<uint32_t>(blob_at + range.line_offset));
      Put<uint32_t>(&out, line_lengths_at + 4 * k, range.line_length);
    }
    out[code_types_at + k] = range.code_type;
  }
  if (!blob_.empty()) std::memcpy(out.data() + blob_at, blob_.data(), blob_.size());
  return out;
}

}  // namespace nodeinstrument

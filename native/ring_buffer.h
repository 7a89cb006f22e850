// A single-producer single-consumer ring of variable-length byte records.
//
// The producer is the signal handler on the JS thread: Reserve() and Commit()
// never allocate, lock or block; when there is no room Reserve() returns
// nullptr and the caller counts a drop. The consumer is the sampling thread.
// Positions only grow; the index is position & mask. A record is an 8-byte
// length word followed by its payload; a length word of 0 means "the rest of
// the buffer is unused, continue at index 0".
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace nodeinstrument {

class SampleRing {
 public:
  // capacity_bytes must be a power of two and a multiple of 8.
  explicit SampleRing(size_t capacity_bytes)
      : capacity_(capacity_bytes),
        mask_(capacity_bytes - 1),
        buffer_(new uint64_t[capacity_bytes / 8]()) {}

  size_t capacity() const { return capacity_; }

  // Producer: contiguous room for a payload of up to max_payload bytes, or
  // nullptr when full. Only one reservation may be open at a time.
  uint8_t* Reserve(size_t max_payload) {
    const uint64_t need = 8 + AlignUp(max_payload);
    const uint64_t write = write_.load(std::memory_order_relaxed);
    const uint64_t read = read_.load(std::memory_order_acquire);
    const uint64_t free_bytes = capacity_ - (write - read);
    const uint64_t offset = write & mask_;
    const uint64_t to_end = capacity_ - offset;
    if (to_end >= need) {
      if (free_bytes < need) return nullptr;
      pending_skip_ = 0;
      pending_offset_ = offset;
    } else {
      if (free_bytes < to_end + need) return nullptr;
      Word(offset) = 0;  // wrap marker
      pending_skip_ = to_end;
      pending_offset_ = 0;
    }
    return Bytes(pending_offset_ + 8);
  }

  // Producer: publish the reserved record with its actual payload size.
  void Commit(size_t payload) {
    Word(pending_offset_) = payload;
    const uint64_t write = write_.load(std::memory_order_relaxed);
    write_.store(write + pending_skip_ + 8 + AlignUp(payload),
                 std::memory_order_release);
  }

  // Consumer: calls fn(const uint8_t* payload, size_t size) for every
  // published record, then frees their space. Returns the number of records.
  template <typename Fn>
  size_t Consume(Fn&& fn) {
    uint64_t read = read_.load(std::memory_order_relaxed);
    const uint64_t write = write_.load(std::memory_order_acquire);
    size_t count = 0;
    while (read < write) {
      const uint64_t offset = read & mask_;
      const uint64_t size = Word(offset);
      if (size == 0) {  // wrap marker
        read += capacity_ - offset;
        continue;
      }
      fn(Bytes(offset + 8), static_cast<size_t>(size));
      read += 8 + AlignUp(size);
      ++count;
    }
    read_.store(read, std::memory_order_release);
    return count;
  }

 private:
  static uint64_t AlignUp(uint64_t n) { return (n + 7) & ~uint64_t{7}; }
  uint64_t& Word(uint64_t offset) { return buffer_[offset / 8]; }
  uint8_t* Bytes(uint64_t offset) {
    return reinterpret_cast<uint8_t*>(buffer_.get()) + offset;
  }

  const uint64_t capacity_;
  const uint64_t mask_;
  std::unique_ptr<uint64_t[]> buffer_;
  std::atomic<uint64_t> write_{0};
  std::atomic<uint64_t> read_{0};
  // Producer-private state of the open reservation.
  uint64_t pending_offset_ = 0;
  uint64_t pending_skip_ = 0;
};

}  // namespace nodeinstrument

// A fixed-capacity ring buffer: its storage is allocated once, when it is built, and never again, so
// steady-state pushes allocate nothing (as long as T's own copy or move does not).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace rtnet {

/// Index 0 is the oldest element. Pushing into a full ring overwrites the oldest. T must be default
/// constructible and assignable (the slots exist from the start).
template <typename T>
class Ring {
 public:
  explicit Ring(std::size_t capacity = 0) : slots_(capacity) {}

  std::size_t capacity() const { return slots_.size(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == slots_.size(); }

  /// Appends `value`; true when that overwrote the oldest element (always true for capacity 0, which
  /// keeps nothing).
  bool Push(T value) {
    if (slots_.empty()) return true;
    const bool overwrote = full();
    slots_[(head_ + size_) % slots_.size()] = std::move(value);
    if (overwrote) {
      head_ = (head_ + 1) % slots_.size();
    } else {
      ++size_;
    }
    return overwrote;
  }
  /// Removes the oldest element (none when empty).
  void PopFront() {
    if (size_ == 0) return;
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }
  /// Removes the newest element (none when empty).
  void PopBack() {
    if (size_ > 0) --size_;
  }
  void Clear() {
    head_ = 0;
    size_ = 0;
  }

  T& operator[](std::size_t index) { return slots_[(head_ + index) % slots_.size()]; }
  const T& operator[](std::size_t index) const { return slots_[(head_ + index) % slots_.size()]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

 private:
  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace rtnet

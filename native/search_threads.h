// A fixed team of threads for parallel loops, kept across calls so that a
// batched search round pays no thread start-up. Work is split into fixed
// contiguous shares, so which thread handles an item never changes results
// as long as items are independent.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace arena::search {

class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int index = 1; index < threads; ++index) workers_.emplace_back([this, index] { work(index); });
  }

  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls f(i) for every i in [0, n), the calling thread taking a share;
  // returns when all are done, rethrowing the first exception any call threw.
  void parallel_for(int n, const std::function<void(int)>& f) {
    if (workers_.empty() || n <= 1) {
      for (int i = 0; i < n; ++i) f(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &f;
      count_ = n;
      busy_ = static_cast<int>(workers_.size());
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    run_share(0, f, n);
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return busy_ == 0; });
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void work(int index) {
    uint64_t seen = 0;
    while (true) {
      const std::function<void(int)>* task;
      int n;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stopping_) return;
        task = task_;
        n = count_;
      }
      run_share(index, *task, n);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) finished_.notify_one();
    }
  }

  void run_share(int index, const std::function<void(int)>& f, int n) {
    const int64_t t = threads();
    try {
      for (int i = static_cast<int>(n * index / t), end = static_cast<int>(n * (index + 1) / t); i < end; ++i) f(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, finished_;
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0;
  int busy_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace arena::search

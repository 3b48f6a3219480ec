// A caching allocator for libtorch's large CPU blocks. Under the malloc settings of TuneMalloc (every block from the
// heap, never trimmed), fp32 sampling's heap still grew by about 200 MB a batch: each batch frees and asks again for
// the same activations, but small blocks allocated between them split the freed space, so new ones came from fresh
// heap pages (27,000-110,000 page faults and up to 3 s of system time a batch; docs/BENCHMARKS.md). Blocks of 1 MiB
// and more are instead kept on free, by size class (the size rounded up to an eighth of its power of two), and handed
// out again to the next request of that class: the same activations reuse the same pages, step after step. Freed
// blocks stay held up to a limit (DIFFLAB_CPU_CACHE_MB, default 4096); past it a miss returns them all to malloc.
// DIFFLAB_CPU_CACHE=0 leaves libtorch's own allocator in place.
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <torch/version.h>
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

using Napi::CallbackInfo;
using Napi::Value;

namespace {

constexpr size_t kMinCached = size_t{1} << 20;

/** The size class of a large block: n rounded up to an eighth of its power of two (at most 12.5% more). */
size_t SizeClass(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  const size_t step = p / 8;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free;            // size class -> a free block of it
  std::unordered_map<void*, size_t> sizeOf;     // every block this cache made, in use or free
  size_t freeBytes = 0;
  size_t limit = size_t{4096} << 20;
  size_t hits = 0, misses = 0;

  void* Take(size_t n) {
    const size_t size = SizeClass(n);
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = free.find(size);
      if (it != free.end()) {
        void* p = it->second;
        free.erase(it);
        freeBytes -= size;
        ++hits;
        return p;
      }
      ++misses;
      if (freeBytes + size > limit) ReleaseLocked();
    }
    void* p = c10::alloc_cpu(size);
    std::lock_guard<std::mutex> lock(mu);
    sizeOf[p] = size;
    return p;
  }

  /** Keeps a block this cache made; returns false for any other (a small block, malloc's to free). */
  bool Give(void* p) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = sizeOf.find(p);
    if (it == sizeOf.end()) return false;
    free.emplace(it->second, p);
    freeBytes += it->second;
    return true;
  }

  void ReleaseLocked() {
    for (auto& [size, p] : free) {
      sizeOf.erase(p);
      c10::free_cpu(p);
    }
    free.clear();
    freeBytes = 0;
  }
};

Cache& TheCache() {
  static Cache* cache = new Cache();  // never destroyed: blocks may be freed during static destruction
  return *cache;
}

/** The deleter of every block that may be cached, and raw_deleter (oneDNN frees any block through it, so it checks). */
void FreeBlock(void* p) {
  if (p && !TheCache().Give(p)) c10::free_cpu(p);
}

// c10::Allocator's allocate lost its const and gained a pure copy_data in libtorch 2.3.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define DIFFLAB_ALLOCATE_CONST
#else
#define DIFFLAB_ALLOCATE_CONST const
#endif
struct CachingCpuAllocator final : c10::Allocator {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#endif
  c10::DataPtr allocate(size_t n) DIFFLAB_ALLOCATE_CONST override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (n < kMinCached) {
      void* p = c10::alloc_cpu(n);
      return {p, p, &c10::free_cpu, cpu};  // never cached: freed without the cache's lock and lookup
    }
    void* p = TheCache().Take(n);
    return {p, p, &FreeBlock, cpu};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &FreeBlock; }
};

bool installed = false;

/** cpuCache() -> { installed, hits, misses, freeMB, limitMB }: whether the cache serves libtorch, and its counts. */
static Value cpuCache(const CallbackInfo& info) {
  Cache& c = TheCache();
  std::lock_guard<std::mutex> lock(c.mu);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("installed", installed);
  o.Set("hits", static_cast<double>(c.hits));
  o.Set("misses", static_cast<double>(c.misses));
  o.Set("freeMB", static_cast<double>(c.freeBytes) / (1 << 20));
  o.Set("limitMB", static_cast<double>(c.limit >> 20));
  return o;
}

}  // namespace

/** Installs the cache as libtorch's CPU allocator, once per process, unless DIFFLAB_CPU_CACHE=0. */
void InitCpuCache(Napi::Env env, Napi::Object exports) {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* off = std::getenv("DIFFLAB_CPU_CACHE");
    if (off && std::strcmp(off, "0") == 0) return;
    if (const char* mb = std::getenv("DIFFLAB_CPU_CACHE_MB")) TheCache().limit = std::strtoull(mb, nullptr, 10) << 20;
    static CachingCpuAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
    installed = true;
  });
  exports.Set("cpuCache", Napi::Function::New(env, cpuCache, "cpuCache"));
}

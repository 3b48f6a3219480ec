// difflab's engine addon: a thin, generic Node-API layer over libtorch.
// It exposes tensors (as opaque handles), ops, autograd and thread/device control. It knows nothing about
// diffusion; everything above tensor level lives in TypeScript (src/engine/*.ts is its typed face).
#include <torch/csrc/autograd/profiler_legacy.h>
#include <ATen/autocast_mode.h>
#if __has_include(<ATen/cuda/CUDAContext.h>) && defined(DIFFLAB_CUDA)
#include <ATen/cuda/CUDAContext.h>
#define DIFFLAB_HAS_CUDA_CONTEXT 1
#endif

#include <cstdlib>
#include <memory>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <string>
#include <vector>

#include "common.h"


void InitDistributed(Napi::Env env, Napi::Object exports);  // distributed.cc
void InitGroupNorm(Napi::Env env, Napi::Object exports);    // groupnorm.cc
void InitForeach(Napi::Env env, Napi::Object exports);      // foreach.cc
void InitCpuCache(Napi::Env env, Napi::Object exports);     // cpu-cache.cc

namespace ops {
// ---------- creation and data ----------------------------------------------------------------------
FN(zeros) { return W(env, at::zeros(Ints(A(0)), Opts(A(1), A(2)))); } END
FN(ones) { return W(env, at::ones(Ints(A(0)), Opts(A(1), A(2)))); } END
FN(full) { return W(env, at::full(Ints(A(0)), D(A(1)), Opts(A(2), A(3)))); } END
FN(arange) { return W(env, at::arange(D(A(0)), D(A(1)), D(A(2)), Opts(A(3), A(4)))); } END
FN(linspace) { return W(env, at::linspace(D(A(0)), D(A(1)), I(A(2)), Opts(A(3), A(4)))); } END

// fromArray(typedArray, shape, device): copies the data (Float32Array, Float64Array or Int32Array).
FN(fromArray) {
  Napi::TypedArray ta = A(0).As<Napi::TypedArray>();
  auto shape = Ints(A(1));
  at::ScalarType st;
  switch (ta.TypedArrayType()) {
    case napi_float32_array: st = at::kFloat; break;
    case napi_float64_array: st = at::kDouble; break;
    case napi_int32_array: st = at::kInt; break;
    case napi_uint8_array: st = at::kByte; break;
    default: throw std::invalid_argument("fromArray: expected Float32Array, Float64Array, Int32Array or Uint8Array");
  }
  uint8_t* data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  at::Tensor t = at::from_blob(data, shape, at::TensorOptions().dtype(st)).clone();
  if (st == at::kInt) t = t.to(at::kLong);
  return W(env, t.to(at::Device(S(A(2)))));
} END

// toArray(h): a copy of the data as Float32Array / Float64Array / Int32Array (int64 and bool become int32).
FN(toArray) {
  at::Tensor t = T(A(0)).detach().to(at::kCPU).contiguous();
  size_t n = t.numel();
  if (t.scalar_type() == at::kDouble) {
    auto out = Napi::Float64Array::New(env, n);
    std::memcpy(out.Data(), t.data_ptr<double>(), n * 8);
    return out;
  }
  if (t.scalar_type() == at::kFloat) {
    auto out = Napi::Float32Array::New(env, n);
    std::memcpy(out.Data(), t.data_ptr<float>(), n * 4);
    return out;
  }
  if (t.scalar_type() == at::kByte) {
    auto out = Napi::Uint8Array::New(env, n);
    std::memcpy(out.Data(), t.data_ptr<uint8_t>(), n);
    return out;
  }
  at::Tensor i = t.to(at::kInt).contiguous();
  auto out = Napi::Int32Array::New(env, n);
  std::memcpy(out.Data(), i.data_ptr<int32_t>(), n * 4);
  return out;
} END
// fromBytes(uint8Array, shape, dtype, device): raw little-endian element bytes (safetensors data) as a tensor.
FN(fromBytes) {
  Napi::Uint8Array a = A(0).As<Napi::Uint8Array>();
  auto shape = Ints(A(1));
  at::ScalarType st = Dtype(S(A(2)));
  int64_t n = 1;
  for (auto d : shape) n *= d;
  if (static_cast<size_t>(n) * c10::elementSize(st) != a.ByteLength())
    throw std::invalid_argument("fromBytes: " + std::to_string(a.ByteLength()) + " bytes do not hold " +
                                std::to_string(n) + " elements of " + S(A(2)));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(st));
  if (n > 0) std::memcpy(t.data_ptr(), a.Data(), a.ByteLength());
  return W(env, t.to(at::Device(S(A(3)))));
} END
// toBytes(h): the raw element bytes (host order, little-endian on every supported machine) of a copy on the CPU.
FN(toBytes) {
  at::Tensor t = T(A(0)).detach().to(at::kCPU).contiguous();
  size_t n = t.numel() * t.element_size();
  auto out = Napi::Uint8Array::New(env, n);
  if (n > 0) std::memcpy(out.Data(), t.data_ptr(), n);
  return out;
} END
FN(item) { return Napi::Number::New(env, T(A(0)).item<double>()); } END
FN(shape) {
  auto sizes = T(A(0)).sizes();
  Napi::Array a = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) a.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return a;
} END
FN(dtype) { return Napi::String::New(env, DtypeName(T(A(0)).scalar_type())); } END
FN(device) { return Napi::String::New(env, T(A(0)).device().str()); } END
FN(dispose) {
  Handle::Unwrap(A(0).As<Napi::Object>())->t = at::Tensor();
  return env.Undefined();
} END
FN(isDisposed) { return Napi::Boolean::New(env, !Handle::Unwrap(A(0).As<Napi::Object>())->t.defined()); } END

// ---------- conversion and shape -------------------------------------------------------------------
FN(to) { return W(env, T(A(0)).to(Dtype(S(A(1))))); } END
// convert(h, dtype, format): dtype and memory layout in one pass ("contiguous" | "channels_last").
// A 4-D tensor with a dimension of size 1 (one channel, a 1x1 kernel) is contiguous in both layouts, and libtorch
// reads the layout a convolution should produce from the strides (suggest_memory_format): left with NCHW strides,
// such a tensor sends a bf16 network's first level, and every 1x1 convolution after an attention, down the NCHW path,
// with layout copies where the two layouts meet. A channels-last request therefore also gets channels-last strides.
static at::Tensor InFormat(const at::Tensor& x, at::MemoryFormat fmt) {
  if (fmt != at::MemoryFormat::ChannelsLast || x.dim() != 4 || x.suggest_memory_format() == fmt) return x;
  return at::empty(x.sizes(), x.options().memory_format(fmt)).copy_(x);
}
FN(convert) {
  auto fmt = S(A(2)) == "channels_last" ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return W(env, InFormat(T(A(0)).to(Dtype(S(A(1))), false, false, fmt), fmt));
} END
FN(toDevice) { return W(env, T(A(0)).to(at::Device(S(A(1))))); } END
FN(clone) { return W(env, T(A(0)).clone()); } END
FN(detach) { return W(env, T(A(0)).detach()); } END
FN(contiguous) {
  auto fmt = S(A(1)) == "channels_last" ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return W(env, InFormat(T(A(0)).contiguous(fmt), fmt));
} END
FN(isChannelsLast) { return Napi::Boolean::New(env, T(A(0)).is_contiguous(at::MemoryFormat::ChannelsLast)); } END
FN(reshape) { return W(env, T(A(0)).reshape(Ints(A(1)))); } END
FN(permute) { return W(env, T(A(0)).permute(Ints(A(1)))); } END
FN(transpose) { return W(env, T(A(0)).transpose(I(A(1)), I(A(2)))); } END
FN(expand) { return W(env, T(A(0)).expand(Ints(A(1)))); } END
FN(repeat) { return W(env, T(A(0)).repeat(Ints(A(1)))); } END
FN(unsqueeze) { return W(env, T(A(0)).unsqueeze(I(A(1)))); } END
FN(squeeze) { return W(env, T(A(0)).squeeze(I(A(1)))); } END
FN(narrow) { return W(env, T(A(0)).narrow(I(A(1)), I(A(2)), I(A(3)))); } END
FN(select) { return W(env, T(A(0)).select(I(A(1)), I(A(2)))); } END
FN(indexSelect) { return W(env, T(A(0)).index_select(I(A(1)), T(A(2)))); } END
FN(flip) { return W(env, T(A(0)).flip(Ints(A(1)))); } END
FN(rot90) { return W(env, T(A(0)).rot90(I(A(1)), Ints(A(2)))); } END
FN(roll) { return W(env, T(A(0)).roll(Ints(A(1)), Ints(A(2)))); } END
static std::vector<at::Tensor> List(const Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(T(a.Get(i)));
  return out;
}
FN(cat) { return W(env, at::cat(List(A(0)), I(A(1)))); } END
FN(stack) { return W(env, at::stack(List(A(0)), I(A(1)))); } END
FN(where) { return W(env, at::where(T(A(0)).to(at::kBool), T(A(1)), Other(A(2), T(A(1))))); } END
// pad(h, [left, right, top, bottom, ...], mode: constant|reflect|replicate, value)
FN(pad) {
  auto p = Ints(A(1));
  std::string mode = S(A(2));
  if (mode == "constant") return W(env, at::constant_pad_nd(T(A(0)), p, D(A(3))));
  if (mode == "reflect") return W(env, at::reflection_pad2d(T(A(0)), p));
  if (mode == "replicate") return W(env, at::replication_pad2d(T(A(0)), p));
  throw std::invalid_argument("pad: unknown mode '" + mode + "'");
} END

// ---------- elementwise ----------------------------------------------------------------------------
#define BINARY(name, expr) FN(name) { const at::Tensor& a = T(A(0)); at::Tensor b = Other(A(1), a); return W(env, expr); } END
BINARY(add, at::add(a, b))
BINARY(sub, at::sub(a, b))
BINARY(mul, at::mul(a, b))
BINARY(div, at::div(a, b))
BINARY(pow, at::pow(a, b))
BINARY(maximum, at::maximum(a, b))
BINARY(minimum, at::minimum(a, b))
BINARY(gt, at::gt(a, b).to(a.scalar_type()))
BINARY(lt, at::lt(a, b).to(a.scalar_type()))
BINARY(eq, at::eq(a, b).to(a.scalar_type()))
// GELU (exact, erf form) composed of elementwise ops: libtorch 1.13's CPU gelu_backward returns wrong values
// (errors of 3.0 seen) when the incoming gradient is channels-last and the input is not, which blew up the classic
// U-Net's gradients under bf16/channels-last. mul, add and erf handle mixed layouts correctly.
FN(gelu) { const at::Tensor& a = T(A(0)); return W(env, a * 0.5 * (at::erf(a * M_SQRT1_2) + 1)); } END
#define UNARY(name, expr) FN(name) { const at::Tensor& a = T(A(0)); return W(env, expr); } END
UNARY(neg, at::neg(a))
UNARY(exp, at::exp(a))
UNARY(log, at::log(a))
UNARY(sqrt, at::sqrt(a))
UNARY(rsqrt, at::rsqrt(a))
UNARY(abs, at::abs(a))
UNARY(sin, at::sin(a))
UNARY(cos, at::cos(a))
UNARY(tanh, at::tanh(a))
UNARY(sigmoid, at::sigmoid(a))
UNARY(silu, at::silu(a))
UNARY(relu, at::relu(a))
UNARY(square, at::square(a))
UNARY(sign, at::sign(a))
UNARY(floor, at::floor(a))
UNARY(round, at::round(a))
UNARY(reciprocal, at::reciprocal(a))
UNARY(isfinite, at::isfinite(a).to(a.scalar_type()))
FN(clamp) {
  c10::optional<at::Scalar> lo, hi;
  if (A(1).IsNumber()) lo = D(A(1));
  if (A(2).IsNumber()) hi = D(A(2));
  return W(env, at::clamp(T(A(0)), lo, hi));
} END

// ---------- reductions -----------------------------------------------------------------------------
// dims: an array of dims, or null for all.
#define REDUCE(name, all, some) FN(name) { const at::Tensor& a = T(A(0)); \
  if (A(1).IsNull() || A(1).IsUndefined()) { return W(env, all); } \
  auto dims = Ints(A(1)); bool keep = B(A(2)); return W(env, some); } END
REDUCE(sum, a.sum(), a.sum(dims, keep))
REDUCE(mean, a.mean(), a.mean(dims, keep))
REDUCE(amax, a.amax(), a.amax(dims, keep))
REDUCE(amin, a.amin(), a.amin(dims, keep))
REDUCE(varUnbiased, a.var(), a.var(at::IntArrayRef(dims), true, keep))
FN(argmax) { return W(env, T(A(0)).argmax(I(A(1)), B(A(2)))); } END
FN(topk) {
  auto r = T(A(0)).topk(I(A(1)), I(A(2)), B(A(3)), true);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, W(env, std::get<0>(r)));
  a.Set(1u, W(env, std::get<1>(r)));
  return a;
} END

// ---------- linear algebra and layers --------------------------------------------------------------
FN(matmul) { return W(env, at::matmul(T(A(0)), T(A(1)))); } END
FN(linear) { return W(env, at::linear(T(A(0)), T(A(1)), Opt(A(2)))); } END
// conv2d(x, w, b, stride, padding, dilation, groups)
FN(conv2d) { return W(env, at::conv2d(T(A(0)), T(A(1)), Opt(A(2)), Ints(A(3)), Ints(A(4)), Ints(A(5)), I(A(6)))); } END
// convTranspose2d(x, w, b, stride, padding, outputPadding, groups, dilation)
FN(convTranspose2d) {
  return W(env, at::conv_transpose2d(T(A(0)), T(A(1)), Opt(A(2)), Ints(A(3)), Ints(A(4)), Ints(A(5)), I(A(6)), Ints(A(7))));
} END
FN(layerNorm) { return W(env, at::layer_norm(T(A(0)), Ints(A(1)), Opt(A(2)), Opt(A(3)), D(A(4)))); } END
FN(softmax) { return W(env, at::softmax(T(A(0)), I(A(1)))); } END
FN(logSoftmax) { return W(env, at::log_softmax(T(A(0)), I(A(1)))); } END
// interpolate(x, [h, w], mode: nearest|bilinear, alignCorners)
FN(interpolate) {
  std::string mode = S(A(2));
  auto size = Ints(A(1));
  if (mode == "nearest") return W(env, at::upsample_nearest2d(T(A(0)), size));
  if (mode == "bilinear") return W(env, at::upsample_bilinear2d(T(A(0)), size, B(A(3))));
  throw std::invalid_argument("interpolate: unknown mode '" + mode + "'");
} END
FN(avgPool2d) { return W(env, at::avg_pool2d(T(A(0)), Ints(A(1)), Ints(A(2)), Ints(A(3)))); } END
FN(maxPool2d) { return W(env, at::max_pool2d(T(A(0)), Ints(A(1)), Ints(A(2)), Ints(A(3)))); } END
FN(adaptiveAvgPool2d) { return W(env, at::adaptive_avg_pool2d(T(A(0)), Ints(A(1)))); } END
FN(embedding) { return W(env, at::embedding(T(A(0)), T(A(1)))); } END
// mseLoss(a, b, reduction: 0 none, 1 mean, 2 sum)
FN(mseLoss) { return W(env, at::mse_loss(T(A(0)), T(A(1)), I(A(2)))); } END
FN(crossEntropy) { return W(env, at::cross_entropy_loss(T(A(0)), T(A(1)), {}, I(A(2)))); } END
// eigh(symmetric matrix) -> [eigenvalues ascending, eigenvectors as columns]
FN(eigh) {
  auto r = at::linalg_eigh(T(A(0)));
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, W(env, std::get<0>(r)));
  a.Set(1u, W(env, std::get<1>(r)));
  return a;
} END

// ---------- in-place (optimizers, EMA; call them under noGrad for leaves) ---------------------------
FN(addInPlace) { T(A(0)).add_(Other(A(1), T(A(0))), D(A(2))); return A(0); } END
FN(mulInPlace) { T(A(0)).mul_(Other(A(1), T(A(0)))); return A(0); } END
FN(copyInPlace) { T(A(0)).copy_(T(A(1))); return A(0); } END
FN(zeroInPlace) { T(A(0)).zero_(); return A(0); } END
FN(addcmulInPlace) { T(A(0)).addcmul_(T(A(1)), T(A(2)), D(A(3))); return A(0); } END
FN(addcdivInPlace) { T(A(0)).addcdiv_(T(A(1)), T(A(2)), D(A(3))); return A(0); } END
// setData(h, src): h now holds src's data (dtype and device may change); h keeps its identity and autograd flag.
FN(setData) { T(A(0)).set_data(T(A(1))); return A(0); } END
FN(lerpInPlace) { T(A(0)).lerp_(T(A(1)), D(A(2))); return A(0); } END

// ---------- autograd -------------------------------------------------------------------------------
FN(setRequiresGrad) { T(A(0)).requires_grad_(B(A(1))); return A(0); } END
FN(requiresGrad) { return Napi::Boolean::New(env, T(A(0)).requires_grad()); } END
FN(backward) {
  at::Tensor g;
  if (!A(1).IsUndefined() && !A(1).IsNull()) g = T(A(1));
  T(A(0)).backward(g);
  return env.Undefined();
} END
FN(grad) {
  const at::Tensor& g = T(A(0)).grad();
  if (!g.defined()) return env.Null();
  return W(env, g);
} END
FN(clearGrad) { T(A(0)).mutable_grad().reset(); return env.Undefined(); } END
FN(setGradEnabled) { at::GradMode::set_enabled(B(A(0))); return env.Undefined(); } END
FN(isGradEnabled) { return Napi::Boolean::New(env, at::GradMode::is_enabled()); } END

// ---------- runtime --------------------------------------------------------------------------------
FN(setNumThreads) { at::set_num_threads(static_cast<int>(I(A(0)))); return env.Undefined(); } END
// libtorch's switch for its oneDNN (mkldnn) kernels, as torch.backends.mkldnn.enabled; reads it back.
FN(setMkldnnEnabled) { at::globalContext().setUserEnabledMkldnn(B(A(0))); return env.Undefined(); } END
FN(mkldnnEnabled) { return Napi::Boolean::New(env, at::globalContext().userEnabledMkldnn()); } END
FN(getNumThreads) { return Napi::Number::New(env, at::get_num_threads()); } END
FN(cudaAvailable) { return Napi::Boolean::New(env, torch::cuda::is_available()); } END
FN(cudaDeviceCount) { return Napi::Number::New(env, static_cast<double>(torch::cuda::device_count())); } END
FN(cudaSynchronize) { if (torch::cuda::is_available()) torch::cuda::synchronize(); return env.Undefined(); } END
// profile(path | null): starts libtorch's op profiler writing a chrome://tracing file at path; null stops and writes.
static std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
FN(profile) {
  profiler.reset();
  if (A(0).IsString()) profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(S(A(0)));
  return env.Undefined();
} END
// ---------- mixed precision ------------------------------------------------------------------------
// libtorch's autocast (thread-local state): inside a region, convolutions and matrix products run in the region's
// dtype, and casts of leaf weights are cached until the outermost region ends. The API was renamed in 2.4.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
static bool AutocastOn(at::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
static at::ScalarType AutocastDtype(at::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
static void SetAutocast(at::DeviceType d, bool on, at::ScalarType st) {
  at::autocast::set_autocast_enabled(d, on);
  at::autocast::set_autocast_dtype(d, st);
}
#else
static bool AutocastOn(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
static at::ScalarType AutocastDtype(at::DeviceType d) {
  return d == at::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
static void SetAutocast(at::DeviceType d, bool on, at::ScalarType st) {
  if (d == at::kCUDA) { at::autocast::set_enabled(on); at::autocast::set_autocast_gpu_dtype(st); }
  else { at::autocast::set_cpu_enabled(on); at::autocast::set_autocast_cpu_dtype(st); }
}
#endif
static at::DeviceType AutocastDevice(const Value& v) { return S(v) == "cuda" ? at::kCUDA : at::kCPU; }
// autocastEnter(deviceType, dtype) -> [wasEnabled, previousDtype]
FN(autocastEnter) {
  at::DeviceType d = AutocastDevice(A(0));
  Napi::Array prev = Napi::Array::New(env, 2);
  prev.Set(0u, Napi::Boolean::New(env, AutocastOn(d)));
  prev.Set(1u, Napi::String::New(env, DtypeName(AutocastDtype(d))));
  SetAutocast(d, true, Dtype(S(A(1))));
  at::autocast::increment_nesting();
  return prev;
} END
// autocastExit(deviceType, wasEnabled, previousDtype): restores the state; the outermost exit drops cached casts.
FN(autocastExit) {
  at::DeviceType d = AutocastDevice(A(0));
  SetAutocast(d, B(A(1)), Dtype(S(A(2))));
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  return env.Undefined();
} END
// cudaCapability(device index) -> major * 10 + minor, or 0 where this build cannot ask.
FN(cudaCapability) {
#ifdef DIFFLAB_HAS_CUDA_CONTEXT
  if (torch::cuda::is_available()) {
    auto* p = at::cuda::getDeviceProperties(static_cast<int>(I(A(0))));
    return Napi::Number::New(env, p->major * 10 + p->minor);
  }
#endif
  return Napi::Number::New(env, 0);
} END
FN(version) { return Napi::String::New(env, TORCH_VERSION); } END

}  // namespace ops

#define EXPORT(name) exports.Set(#name, Napi::Function::New(env, ops::name, #name))
// glibc's malloc gives blocks above 32 MiB (and, until its threshold adapts, above 128 KiB) their own mmap and
// returns them with munmap on free, and trims the heap top: every training step then page-faults its activations
// back in (zero-filled by the kernel). Serving every size from the heap and never trimming it measured 1.4-1.8x
// faster training here (docs/BENCHMARKS.md). The process keeps its peak heap; MALLOC_*_ variables the user set win.
static void TuneMalloc() {
#if defined(__GLIBC__)
  if (!std::getenv("MALLOC_MMAP_MAX_") && !std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_MAX, 0);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (!std::getenv("MALLOC_TOP_PAD_")) mallopt(M_TOP_PAD, 64 << 20);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneMalloc();
  Handle::Init(env, exports);
  InitDistributed(env, exports);
  InitGroupNorm(env, exports);
  InitForeach(env, exports);
  InitCpuCache(env, exports);
  EXPORT(zeros); EXPORT(ones); EXPORT(full); EXPORT(arange); EXPORT(linspace); EXPORT(fromArray); EXPORT(toArray);
  EXPORT(fromBytes); EXPORT(toBytes); EXPORT(autocastEnter); EXPORT(autocastExit);
  EXPORT(cudaCapability);
  EXPORT(item); EXPORT(shape); EXPORT(dtype); EXPORT(device); EXPORT(dispose); EXPORT(isDisposed);
  EXPORT(to); EXPORT(convert); EXPORT(toDevice); EXPORT(clone); EXPORT(detach); EXPORT(contiguous); EXPORT(isChannelsLast);
  EXPORT(reshape); EXPORT(permute); EXPORT(transpose); EXPORT(expand); EXPORT(repeat); EXPORT(unsqueeze);
  EXPORT(squeeze); EXPORT(narrow); EXPORT(select); EXPORT(indexSelect); EXPORT(flip); EXPORT(rot90); EXPORT(roll);
  EXPORT(cat); EXPORT(stack); EXPORT(where); EXPORT(pad);
  EXPORT(add); EXPORT(sub); EXPORT(mul); EXPORT(div); EXPORT(pow); EXPORT(maximum); EXPORT(minimum);
  EXPORT(gt); EXPORT(lt); EXPORT(eq);
  EXPORT(neg); EXPORT(exp); EXPORT(log); EXPORT(sqrt); EXPORT(rsqrt); EXPORT(abs); EXPORT(sin); EXPORT(cos);
  EXPORT(tanh); EXPORT(sigmoid); EXPORT(silu); EXPORT(gelu); EXPORT(relu); EXPORT(square); EXPORT(sign);
  EXPORT(floor); EXPORT(round); EXPORT(reciprocal); EXPORT(isfinite); EXPORT(clamp);
  EXPORT(sum); EXPORT(mean); EXPORT(amax); EXPORT(amin); EXPORT(varUnbiased); EXPORT(argmax); EXPORT(topk);
  EXPORT(matmul); EXPORT(linear); EXPORT(conv2d); EXPORT(convTranspose2d); EXPORT(layerNorm);
  EXPORT(softmax); EXPORT(logSoftmax); EXPORT(interpolate); EXPORT(avgPool2d); EXPORT(maxPool2d);
  EXPORT(adaptiveAvgPool2d); EXPORT(embedding); EXPORT(mseLoss); EXPORT(crossEntropy); EXPORT(eigh);
  EXPORT(addInPlace); EXPORT(mulInPlace); EXPORT(copyInPlace); EXPORT(zeroInPlace); EXPORT(addcmulInPlace);
  EXPORT(addcdivInPlace); EXPORT(lerpInPlace); EXPORT(setData);
  EXPORT(setRequiresGrad); EXPORT(requiresGrad); EXPORT(backward); EXPORT(grad); EXPORT(clearGrad);
  EXPORT(setGradEnabled); EXPORT(isGradEnabled);
  EXPORT(setNumThreads); EXPORT(getNumThreads); EXPORT(setMkldnnEnabled); EXPORT(mkldnnEnabled); EXPORT(cudaAvailable); EXPORT(cudaDeviceCount);
  EXPORT(cudaSynchronize); EXPORT(version); EXPORT(profile);
  return exports;
}

NODE_API_MODULE(difflab, Init)

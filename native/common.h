// What the addon's translation units share: the tensor handle, argument readers, and the guard that turns
// libtorch errors into one-line JavaScript errors. Everything here is inline.
#pragma once
#include <napi.h>
#include <torch/torch.h>

#include <string>
#include <vector>

using Napi::CallbackInfo;
using Napi::Value;

// ---------- the tensor handle ----------------------------------------------------------------------
// The handle class's constructor lives in each Node environment's instance data (not in a static), so the main
// thread and any worker threads can each load the addon and make tensors; libtorch itself is shared.
class Handle : public Napi::ObjectWrap<Handle> {
 public:
  at::Tensor t;
  explicit Handle(const CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {}
  static inline void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function f = DefineClass(env, "TensorHandle", {});
    env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(f)));
    exports.Set("TensorHandle", f);
  }
  static inline Napi::Function Ctor(Napi::Env env) { return env.GetInstanceData<Napi::FunctionReference>()->Value(); }
};

static inline at::Tensor& T(const Value& v) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(Handle::Ctor(v.Env())))
    throw std::invalid_argument("expected a tensor handle");
  at::Tensor& t = Handle::Unwrap(v.As<Napi::Object>())->t;
  if (!t.defined()) throw std::invalid_argument("tensor was disposed");
  return t;
}

static inline Value W(Napi::Env env, at::Tensor t) {
  Napi::Object o = Handle::Ctor(env).New({});
  Handle::Unwrap(o)->t = std::move(t);
  return o;
}

// An array of tensor handles (the list ops, the collectives' buckets).
static inline std::vector<at::Tensor> Tensors(const Value& v) {
  Napi::Array a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(T(a.Get(i)));
  return out;
}

static inline std::vector<int64_t> Ints(const Value& v) {
  std::vector<int64_t> out;
  if (v.IsNumber()) { out.push_back(v.As<Napi::Number>().Int64Value()); return out; }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Int64Value());
  return out;
}
static inline double D(const Value& v) { return v.As<Napi::Number>().DoubleValue(); }
static inline int64_t I(const Value& v) { return v.As<Napi::Number>().Int64Value(); }
static inline bool B(const Value& v) { return v.As<Napi::Boolean>().Value(); }
static inline std::string S(const Value& v) { return v.As<Napi::String>().Utf8Value(); }

static inline at::ScalarType Dtype(const std::string& s) {
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "float16") return at::kHalf;
  throw std::invalid_argument("unknown dtype '" + s + "'");
}
static inline const char* DtypeName(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return "other";
  }
}
static inline at::TensorOptions Opts(const Value& dtype, const Value& device) {
  return at::TensorOptions().dtype(Dtype(S(dtype))).device(at::Device(S(device)));
}
// A number or a tensor as the second operand: numbers become 0-dim tensors of the first operand's dtype
// and device, so float32 stays float32 (0-dim tensors do not promote dimensioned ones).
static inline at::Tensor Other(const Value& v, const at::Tensor& like) {
  if (v.IsNumber()) return at::scalar_tensor(D(v), like.options());
  return T(v);
}
static inline c10::optional<at::Tensor> Opt(const Value& v) {
  if (v.IsUndefined() || v.IsNull()) return c10::nullopt;
  return T(v);
}

// Every entry point runs inside this guard: libtorch errors become one-line JS errors.
template <typename F>
static inline Value Guard(const CallbackInfo& info, F f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    auto nl = msg.find('\n');
    throw Napi::Error::New(info.Env(), "libtorch: " + (nl == std::string::npos ? msg : msg.substr(0, nl)));
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}
#define FN(name) static inline Value name(const CallbackInfo& info) { auto env = info.Env(); (void)env; return Guard(info, [&]() -> Value
#define END ); }
#define A(i) info[i]


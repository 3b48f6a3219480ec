// GroupNorm with an optional fused SiLU, forward and backward, for CPU tensors in float32, float64 or bfloat16,
// in NCHW or channels-last memory without layout copies; wired into autograd as one node. The loops and their
// symbols are in groupnorm-kernels.h.
//
// Why not libtorch's: its channels-last kernel (1.13) computes the variance as E[x^2] - E[x]^2, which loses every
// digit in float32 on near-constant groups (black image borders), and it wants input, weight and bias of one
// dtype, so bf16 activations were converted to float32 NCHW and back around it (two layout copies per call).
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <tuple>

#include "groupnorm-kernels.h"  // before common.h, whose A(i) macro would rewrite its A(1)
#include "common.h"
#undef A  // A is the accumulator type here

namespace {
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// ---------- dispatch -------------------------------------------------------------------------------
at::ScalarType AccType(const at::Tensor& x) { return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat; }
bool IsChannelsLast(const at::Tensor& x) {
  return x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast);
}
at::MemoryFormat FormatOf(bool channelsLast) {
  return channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
}
// Splits the work items ((sample, group) pairs in NCHW, samples in channels-last) over libtorch's threads.
template <typename T> void Launch(const gn::Args<T>& k, bool backward, bool silu, bool channelsLast) {
  gn::Range<T> f = gn::Pick<T>(backward, silu, channelsLast);
  at::parallel_for(0, channelsLast ? k.N : k.N * k.G, 1, [&](int64_t begin, int64_t end) { f(k, begin, end); });
}
template <typename F> void ByDtype(at::ScalarType st, F f) {
  if (st == at::kFloat) return f(float());
  if (st == at::kDouble) return f(double());
  if (st == at::kBFloat16) return f(c10::BFloat16());
  throw std::invalid_argument("groupNorm: expected float32, float64 or bfloat16 input");
}
template <typename T> gn::Args<T> ArgsOf(const at::Tensor& x, int64_t groups, const at::Tensor& w, const at::Tensor& b,
                                         const at::Tensor& mean, const at::Tensor& rstd) {
  using A = typename gn::AccOf<T>::type;
  gn::Args<T> k{};
  k.N = x.size(0), k.C = x.size(1), k.HW = k.N * k.C == 0 ? 0 : x.numel() / (k.N * k.C);
  k.G = groups, k.Cg = k.C / groups;
  k.x = x.data_ptr<T>(), k.w = w.data_ptr<A>(), k.b = b.data_ptr<A>();
  k.mean = mean.data_ptr<A>(), k.rstd = rstd.data_ptr<A>();
  return k;
}

// x in either layout (already dense), w and b of the accumulator type -> y (x's dtype and layout), the groups'
// means less their first elements, and rstd.
std::tuple<at::Tensor, at::Tensor, at::Tensor> Forward(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                                                       int64_t groups, double eps, bool silu) {
  const bool cl = IsChannelsLast(x);
  at::Tensor y = at::empty(x.sizes(), x.options().memory_format(FormatOf(cl)));
  at::Tensor mean = at::empty({x.size(0), groups}, x.options().dtype(AccType(x)));
  at::Tensor rstd = at::empty_like(mean);
  if (x.numel() == 0) return {y, mean, rstd};
  ByDtype(x.scalar_type(), [&](auto zero) {
    using T = decltype(zero);
    gn::Args<T> k = ArgsOf<T>(x, groups, w, b, mean, rstd);
    k.eps = eps, k.y = y.data_ptr<T>();
    Launch(k, false, silu, cl);
  });
  return {y, mean, rstd};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> Backward(const at::Tensor& gyAny, const at::Tensor& x,
                                                        const at::Tensor& w, const at::Tensor& b,
                                                        const at::Tensor& mean, const at::Tensor& rstd,
                                                        int64_t groups, bool silu) {
  const bool cl = IsChannelsLast(x);
  // The incoming gradient in x's dtype and layout (a copy only where they differ).
  at::Tensor gy = gyAny.to(x.scalar_type()).contiguous(FormatOf(cl));
  at::Tensor gx = at::empty(x.sizes(), x.options().memory_format(FormatOf(cl)));
  at::Tensor db = at::zeros({x.size(0), x.size(1)}, w.options()), dz = at::zeros_like(db);
  if (x.numel() > 0)
    ByDtype(x.scalar_type(), [&](auto zero) {
      using T = decltype(zero);
      using A = typename gn::AccOf<T>::type;
      gn::Args<T> k = ArgsOf<T>(x, groups, w, b, mean, rstd);
      k.gy = gy.data_ptr<T>(), k.gx = gx.data_ptr<T>(), k.db = db.data_ptr<A>(), k.dz = dz.data_ptr<A>();
      Launch(k, true, silu, cl);
    });
  return {gx, dz.sum(0), db.sum(0)};
}

// One autograd node: saves x (not y), the weight and bias in the accumulator type, and the group statistics.
struct GroupNormFunction : public torch::autograd::Function<GroupNormFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias, int64_t groups, double eps, bool silu) {
    RECORD_FUNCTION("difflab::groupNormAct", std::vector<c10::IValue>());  // seen by the op profiler
    const at::ScalarType acc = AccType(x);
    at::Tensor w = weight.to(acc).contiguous(), b = bias.to(acc).contiguous();
    at::Tensor dense = IsChannelsLast(x) ? x : x.contiguous();
    auto [y, mean, rstd] = Forward(dense, w, b, groups, eps, silu);
    ctx->save_for_backward({dense, w, b, mean, rstd});
    ctx->saved_data["groups"] = groups;
    ctx->saved_data["silu"] = silu;
    ctx->saved_data["weightType"] = static_cast<int64_t>(weight.scalar_type());
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    RECORD_FUNCTION("difflab::groupNormAct_backward", std::vector<c10::IValue>());
    auto v = ctx->get_saved_variables();
    auto [gx, gw, gb] = Backward(grads[0], v[0], v[1], v[2], v[3], v[4], ctx->saved_data["groups"].toInt(),
                                 ctx->saved_data["silu"].toBool());
    auto wt = static_cast<at::ScalarType>(ctx->saved_data["weightType"].toInt());
    return {gx, gw.to(wt), gb.to(wt), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

// groupNormAct(x, groups, weight | null, bias | null, eps, silu, fused): (N, C, ...) -> x's shape, dtype and layout.
// Weight and bias (per channel) default to ones and zeros. With fused false, and on devices other than the CPU:
// libtorch's group_norm on a float32 (or float64) NCHW copy, output float32 in x's layout (the path before the
// fused kernel, kept for comparisons and GPUs).
static Value groupNormAct(const CallbackInfo& info) {
  return Guard(info, [&]() -> Value {
    at::Tensor x = T(info[0]);
    const int64_t groups = I(info[1]);
    const double eps = D(info[4]);
    const bool silu = B(info[5]);
    if (x.dim() < 2) throw std::invalid_argument("groupNorm: expected input of shape (N, C, ...)");
    const int64_t C = x.size(1);
    if (groups < 1 || C % groups != 0)
      throw std::invalid_argument("groupNorm: " + std::to_string(C) + " channels do not split into " +
                                  std::to_string(groups) + " groups");
    auto param = Opt(info[2]);
    at::Tensor weight = param ? *param : at::ones({C}, x.options().dtype(AccType(x)));
    param = Opt(info[3]);
    at::Tensor bias = param ? *param : at::zeros({C}, x.options().dtype(AccType(x)));
    if (weight.numel() != C || bias.numel() != C)
      throw std::invalid_argument("groupNorm: weight and bias need " + std::to_string(C) + " values");
    if (!B(info[6]) || !x.device().is_cpu()) {
      const bool cl = IsChannelsLast(x);
      at::Tensor up = x.to(x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat, false, false,
                           at::MemoryFormat::Contiguous);
      at::Tensor y = at::group_norm(up, groups, weight.to(up.scalar_type()), bias.to(up.scalar_type()), eps);
      if (cl) y = y.contiguous(at::MemoryFormat::ChannelsLast);
      return W(info.Env(), silu ? at::silu(y) : y);
    }
    return W(info.Env(), GroupNormFunction::apply(x, weight, bias, groups, eps, silu));
  });
}

void InitGroupNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("groupNormAct", Napi::Function::New(env, groupNormAct, "groupNormAct"));
}

// Ops over lists of tensors, one Node-API call per list instead of one per tensor and op: the optimizer's update,
// the weight average, and the gradient norm of clipping. Where a tensor and its companions are float32 CPU tensors
// with one dense layout (the case in training), each update is one pass over memory in a fused loop split with
// at::parallel_for; anything else takes libtorch's ops, the same formulas.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>

namespace {

void SameLength(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, const char* what) {
  if (a.size() != b.size())
    throw std::invalid_argument(std::string(what) + ": lists of " + std::to_string(a.size()) + " and " +
                                std::to_string(b.size()) + " tensors");
}

// One flat loop can run over these: float32 CPU tensors of the same sizes and strides, dense without overlaps.
bool Flat(std::initializer_list<const at::Tensor*> ts) {
  const at::Tensor& first = **ts.begin();
  for (const at::Tensor* t : ts) {
    if (!t->defined() || t->scalar_type() != at::kFloat || !t->device().is_cpu() ||
        !t->is_non_overlapping_and_dense() || t->sizes() != first.sizes() || t->strides() != first.strides())
      return false;
  }
  return true;
}

constexpr int64_t kGrain = 32768;

struct Adam {
  double lr, beta1, beta2, eps, weightDecay, bc1, bc2;
  bool decoupled;
};

// Adam / AdamW for one parameter, as src/engine/optim.ts states it:
//   g += wd p (l2) | p *= 1 - lr wd (decoupled);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p += -lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
void AdamOne(at::Tensor& p, const at::Tensor& grad, at::Tensor& m, at::Tensor& v, const Adam& o) {
  const float b1 = o.beta1, b2 = o.beta2, c1 = 1 - o.beta1, c2 = 1 - o.beta2, eps = o.eps;
  const float rbc2 = 1 / std::sqrt(o.bc2), step = -o.lr / o.bc1;
  const bool l2 = o.weightDecay != 0 && !o.decoupled, dec = o.weightDecay != 0 && o.decoupled;
  const float wd = o.weightDecay, shrink = 1 - o.lr * o.weightDecay;
  if (Flat({&p, &grad, &m, &v})) {
    float* P = p.data_ptr<float>();
    const float* G = grad.data_ptr<float>();
    float* M = m.data_ptr<float>();
    float* V = v.data_ptr<float>();
    at::parallel_for(0, p.numel(), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) {
        float g = G[i];
        if (l2) g += wd * P[i];
        if (dec) P[i] *= shrink;
        const float mi = M[i] * b1 + c1 * g, vi = V[i] * b2 + c2 * (g * g);
        M[i] = mi;
        V[i] = vi;
        P[i] += step * (mi / (std::sqrt(vi) * rbc2 + eps));
      }
    });
    return;
  }
  at::Tensor g = l2 ? grad.add(p, o.weightDecay) : grad;
  if (dec) p.mul_(1 - o.lr * o.weightDecay);
  m.mul_(o.beta1).add_(g, 1 - o.beta1);
  v.mul_(o.beta2).addcmul_(g, g, 1 - o.beta2);
  p.addcdiv_(m, v.sqrt().mul_(1 / std::sqrt(o.bc2)).add_(o.eps), -o.lr / o.bc1);
}

// adamUpdate(params, m, v, lr, beta1, beta2, eps, weightDecay, decoupled, bc1, bc2): one Adam step for every
// parameter that has a gradient (bc1, bc2: the bias corrections 1 - beta^step).
FN(adamUpdate) {
  RECORD_FUNCTION("difflab::adamUpdate", std::vector<c10::IValue>());  // seen by the op profiler
  std::vector<at::Tensor> ps = Tensors(A(0)), ms = Tensors(A(1)), vs = Tensors(A(2));
  SameLength(ps, ms, "adamUpdate");
  SameLength(ps, vs, "adamUpdate");
  const Adam o{D(A(3)), D(A(4)), D(A(5)), D(A(6)), D(A(7)), D(A(9)), D(A(10)), B(A(8))};
  at::NoGradGuard noGrad;
  for (size_t i = 0; i < ps.size(); i++) {
    const at::Tensor& g = ps[i].grad();
    if (!g.defined()) continue;
    at::Tensor p = ps[i].detach();  // the same storage, updated in place outside autograd's view
    AdamOne(p, g, ms[i], vs[i], o);
  }
  return env.Undefined();
} END

// lerpAll(targets, ends, weight): targets[i] += weight * (ends[i] - targets[i]) (a weight average's update).
FN(lerpAll) {
  RECORD_FUNCTION("difflab::lerpAll", std::vector<c10::IValue>());  // seen by the op profiler
  std::vector<at::Tensor> ts = Tensors(A(0)), es = Tensors(A(1));
  SameLength(ts, es, "lerpAll");
  const double w = D(A(2));
  at::NoGradGuard noGrad;
  for (size_t i = 0; i < ts.size(); i++) {
    at::Tensor t = ts[i].detach(), e = es[i].detach();
    if (Flat({&t, &e})) {
      float* X = t.data_ptr<float>();
      const float* Y = e.data_ptr<float>();
      const float wf = w;
      at::parallel_for(0, t.numel(), kGrain, [&](int64_t b, int64_t end) {
        for (int64_t j = b; j < end; j++) X[j] += wf * (Y[j] - X[j]);
      });
    } else {
      t.lerp_(e, w);
    }
  }
  return env.Undefined();
} END

// gradNorm(params): the joint L2 norm of the parameters' gradients (those that have one), summed in float64.
FN(gradNorm) {
  RECORD_FUNCTION("difflab::gradNorm", std::vector<c10::IValue>());  // seen by the op profiler
  std::vector<at::Tensor> ps = Tensors(A(0));
  double total = 0;
  at::NoGradGuard noGrad;
  for (const at::Tensor& p : ps) {
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (Flat({&g})) {
      // Partial sums over fixed chunks, added in order: the same norm whatever the number of threads.
      const float* G = g.data_ptr<float>();
      const int64_t n = g.numel(), chunks = (n + kGrain - 1) / kGrain;
      std::vector<double> part(chunks, 0.0);
      at::parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; c++) {
          double acc = 0;
          for (int64_t j = c * kGrain, end = std::min(n, j + kGrain); j < end; j++) acc += double(G[j]) * G[j];
          part[c] = acc;
        }
      });
      for (double x : part) total += x;
    } else {
      total += g.to(at::kDouble).square().sum().item<double>();
    }
  }
  return Napi::Number::New(env, std::sqrt(total));
} END

// scaleGrads(params, s): every gradient that exists times s, in place.
FN(scaleGrads) {
  RECORD_FUNCTION("difflab::scaleGrads", std::vector<c10::IValue>());  // seen by the op profiler
  std::vector<at::Tensor> ps = Tensors(A(0));
  const double s = D(A(1));
  at::NoGradGuard noGrad;
  for (const at::Tensor& p : ps) {
    at::Tensor g = p.grad();
    if (g.defined()) g.mul_(s);
  }
  return env.Undefined();
} END

}  // namespace

void InitForeach(Napi::Env env, Napi::Object exports) {
  exports.Set("adamUpdate", Napi::Function::New(env, adamUpdate, "adamUpdate"));
  exports.Set("lerpAll", Napi::Function::New(env, lerpAll, "lerpAll"));
  exports.Set("gradNorm", Napi::Function::New(env, gradNorm, "gradNorm"));
  exports.Set("scaleGrads", Napi::Function::New(env, scaleGrads, "scaleGrads"));
}

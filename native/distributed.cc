// torch.distributed's c10d from JavaScript: a TCPStore rendezvous and a Gloo process group with the three
// collectives data-parallel training needs (all-reduce sum, broadcast, barrier). Generic: tensors in, tensors out.
// Built when the linked libtorch carries c10d with Gloo (DIFFLAB_C10D, set by scripts/torch-config.mjs); otherwise
// every entry point says so.
#include "common.h"

#ifdef DIFFLAB_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

namespace {
#ifdef DIFFLAB_C10D
struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  int rank = 0, size = 1;
  std::string where;               // "rank R of W" for messages
  std::vector<std::string> hosts;  // each rank's address, as it told the others (to name a lost peer)
};

Group& G(const Value& v) {
  if (!v.IsExternal()) throw std::invalid_argument("expected a process group");
  Group* g = v.As<Napi::External<Group>>().Data();
  if (!g->pg) throw std::invalid_argument("process group was destroyed");
  return *g;
}

// The peer a collective's failure is about, as "rank J (ADDRESS) is gone: " (or "did not answer: " on a timeout):
// gloo names the peer's address ("Connection closed by peer [10.0.0.2]:41234"); a rank is named when one rank has
// that address (on one machine all share 127.0.0.1: then only a group of two says which), else nothing.
std::string PeerOf(const Group& g, const std::string& msg) {
  auto open = msg.find('['), close = msg.find(']', open);
  std::string ip = open != std::string::npos && close != std::string::npos ? msg.substr(open + 1, close - open - 1) : "";
  std::vector<int> match;
  for (int r = 0; r < static_cast<int>(g.hosts.size()); r++)
    if (r != g.rank && g.hosts[r] == ip) match.push_back(r);
  if (match.size() != 1 && g.size == 2) match = {1 - g.rank};
  if (match.size() != 1) return "";
  bool timeout = msg.find("imed out") != std::string::npos || msg.find("imeout") != std::string::npos;
  int r = match[0];
  return "rank " + std::to_string(r) + " (" + g.hosts[r] + ") " + (timeout ? "did not answer" : "is gone") + ": ";
}

// Runs a collective; its failure (a peer gone, a timeout) becomes one line naming this rank and the operation.
template <typename F>
void Collective(Group& g, const char* what, F f) {
  try {
    f()->wait();
  } catch (const std::exception& e) {
    std::string msg = e.what();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    auto bracket = msg.find("] ");  // drop gloo's "[file.cc:123] " source prefix
    if (bracket != std::string::npos && msg[0] == '[') msg = msg.substr(bracket + 2);
    throw std::runtime_error(g.where + ": " + what + " failed: " + PeerOf(g, msg) + msg);
  }
}

// The tensors as one contiguous bucket of the first one's dtype (one collective instead of one per tensor), and back.
at::Tensor Flatten(const std::vector<at::Tensor>& ts) {
  // narrow().copy_() per tensor: at::cat took 22 ms for the default model's 6.8 MB of gradients here, this 1 ms.
  int64_t total = 0;
  for (auto& t : ts) total += t.numel();
  at::Tensor bucket = at::empty({total}, ts[0].options().requires_grad(false));
  int64_t offset = 0;
  at::NoGradGuard no_grad;
  for (auto& t : ts) {
    int64_t n = t.numel();
    bucket.narrow(0, offset, n).view(t.sizes()).copy_(t.detach());
    offset += n;
  }
  return bucket;
}
// Writes scale * the bucket's slices back into the tensors: the scaling rides on the copy (no pass of its own).
void Unflatten(const at::Tensor& bucket, const std::vector<at::Tensor>& ts, double scale) {
  int64_t offset = 0;
  at::NoGradGuard no_grad;
  at::Tensor s = at::scalar_tensor(scale, bucket.options());
  for (auto& t : ts) {
    int64_t n = t.numel();
    at::Tensor slice = bucket.narrow(0, offset, n).view(t.sizes());
    if (scale == 1) t.copy_(slice);
    else {
      at::Tensor out = t.detach();
      at::mul_out(out, slice, s);
    }
    offset += n;
  }
}
// Runs a collective on the tensors as one flat bucket and writes scale * the result back into them.
template <typename F>
void OnBucket(Group& g, const std::vector<at::Tensor>& ts, const char* what, F f, double scale = 1) {
  if (ts.empty()) return;
  if (ts.size() == 1 && ts[0].is_contiguous()) {  // already one bucket: no copies
    std::vector<at::Tensor> one{ts[0].detach()};
    Collective(g, what, [&] { return f(one); });
    if (scale != 1) one[0].mul_(scale);
    return;
  }
  std::vector<at::Tensor> bucket{Flatten(ts)};
  Collective(g, what, [&] { return f(bucket); });
  Unflatten(bucket[0], ts, scale);
}

// The local address this host reaches `host` from: the source address of a UDP socket "connected" to it (nothing
// is sent). Gloo tells the other ranks to connect back to it, so it must be this host's address on the way to rank
// 0, not what the host name resolves to (loopback in a container or a network namespace, and on many real hosts).
std::string LocalAddressToward(const std::string& host, int port) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_socktype = SOCK_DGRAM;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) throw std::runtime_error("cannot resolve MASTER_ADDR " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  int fd = socket(found->ai_family, SOCK_DGRAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + strerror(errno));
  sockaddr_storage self{};
  socklen_t len = sizeof self;
  bool ok = connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&self), &len) == 0;
  int err = errno;
  close(fd);
  if (!ok) throw std::runtime_error("no route from here to MASTER_ADDR " + host + ": " + strerror(err));
  char text[INET6_ADDRSTRLEN] = {0};
  getnameinfo(reinterpret_cast<sockaddr*>(&self), len, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
  return text;
}

// Gloo's device as torch.distributed makes it: on the interface GLOO_SOCKET_IFNAME names when it is set, else on
// the local address that routes to the rendezvous host.
std::shared_ptr<::gloo::transport::Device> DeviceToward(const std::string& host, int port, const std::string& ifname) {
  if (!ifname.empty()) return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  return c10d::ProcessGroupGloo::createDeviceForHostname(LocalAddressToward(host, port));
}

// The address a device listens on: its description ends "addr=[10.0.0.1]" (gloo's tcp device).
std::string BoundAddress(const ::gloo::transport::Device& device) {
  std::string d = device.str();
  auto at = d.find("addr=[");
  auto end = at == std::string::npos ? at : d.find(']', at);
  return end == std::string::npos ? d : d.substr(at + 6, end - at - 6);
}

// Every rank writes its address under difflab/rank/R and waits for all W of them, so a rank that never comes is
// named (Gloo's own wait would only time out). Returns the addresses by rank.
std::vector<std::string> Rendezvous(c10d::Store& store, int rank, int size, const std::string& self,
                                    std::chrono::milliseconds timeout) {
  auto key = [](int r) { return "difflab/rank/" + std::to_string(r); };
  store.set(key(rank), std::vector<uint8_t>(self.begin(), self.end()));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<int> missing;
  for (;;) {
    missing.clear();
    for (int r = 0; r < size; r++)
      if (!store.check({key(r)})) missing.push_back(r);
    if (missing.empty() || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!missing.empty()) {
    std::string names;
    for (int r : missing) names += (names.empty() ? "" : ", ") + std::to_string(r);
    throw std::runtime_error((missing.size() == 1 ? "rank " : "ranks ") + names + " did not join within " +
                             std::to_string(timeout.count() / 1000) + " s");
  }
  std::vector<std::string> hosts;
  for (int r = 0; r < size; r++) {
    auto v = store.get(key(r));
    hosts.emplace_back(v.begin(), v.end());
  }
  return hosts;
}
#endif

#ifndef DIFFLAB_C10D
[[noreturn]] void Unsupported() {
  throw std::runtime_error("this libtorch build has no c10d/Gloo (rebuild the addon where libgloo-dev is installed)");
}
#endif
}  // namespace

namespace dist {
FN(distAvailable) {
#ifdef DIFFLAB_C10D
  return Napi::Boolean::New(env, true);
#else
  return Napi::Boolean::New(env, false);
#endif
} END

// distInit(host, port, rank, worldSize, timeoutMs, ifname): rank 0 serves the TCPStore at host:port, the others
// connect; each binds Gloo to ifname (GLOO_SOCKET_IFNAME) or else to its address toward host. Returns once all
// worldSize ranks have joined the Gloo group, or throws naming the rank that did not come within timeoutMs.
FN(distInit) {
#ifdef DIFFLAB_C10D
  std::string host = S(A(0)), ifname = S(A(5));
  int port = static_cast<int>(I(A(1))), rank = static_cast<int>(I(A(2))), size = static_cast<int>(I(A(3)));
  auto timeout = std::chrono::milliseconds(I(A(4)));
  auto g = new Group();
  g->rank = rank;
  g->size = size;
  g->where = "rank " + std::to_string(rank) + " of " + std::to_string(size);
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = rank == 0;
    so.numWorkers = size;
    so.waitWorkers = false;  // Rendezvous waits, and names who is missing
    so.timeout = timeout;
    g->store = c10::make_intrusive<c10d::TCPStore>(host, so);
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    auto device = DeviceToward(host, port, ifname);
    g->hosts = Rendezvous(*g->store, rank, size, BoundAddress(*device), timeout);
    o->devices.push_back(device);
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, size, o);
  } catch (const std::exception& e) {
    delete g;
    std::string msg = e.what();
    auto nl = msg.find('\n');
    if (nl != std::string::npos) msg = msg.substr(0, nl);
    auto bracket = msg.find("] ");  // drop gloo's "[file.cc:123] " source prefix
    if (bracket != std::string::npos && msg[0] == '[') msg = msg.substr(bracket + 2);
    throw std::runtime_error("rank " + std::to_string(rank) + " of " + std::to_string(size) +
                             ": cannot join the group at " + host + ":" + std::to_string(port) + " (" + msg + ")");
  }
  return Napi::External<Group>::New(env, g, [](Napi::Env, Group* p) { delete p; });
#else
  Unsupported();
#endif
} END

// distAllReduce(group, tensors, scale): every tensor becomes scale * the sum of its copies on all ranks (one flat
// bucket; scale 1 / worldSize averages, applied while the bucket is copied back).
FN(distAllReduce) {
#ifdef DIFFLAB_C10D
  Group& g = G(A(0));
  OnBucket(g, Tensors(A(1)), "all-reduce", [&](std::vector<at::Tensor>& b) { return g.pg->allreduce(b); }, D(A(2)));
  return env.Undefined();
#else
  Unsupported();
#endif
} END

// distBroadcast(group, tensors, root): every rank's tensors become root's.
FN(distBroadcast) {
#ifdef DIFFLAB_C10D
  Group& g = G(A(0));
  c10d::BroadcastOptions o;
  o.rootRank = I(A(2));
  OnBucket(g, Tensors(A(1)), "broadcast", [&](std::vector<at::Tensor>& b) { return g.pg->broadcast(b, o); });
  return env.Undefined();
#else
  Unsupported();
#endif
} END

FN(distBarrier) {
#ifdef DIFFLAB_C10D
  Group& g = G(A(0));
  Collective(g, "barrier", [&] { return g.pg->barrier(); });
  return env.Undefined();
#else
  Unsupported();
#endif
} END

// distDestroy(group): closes the connections now (the others see this rank leave).
FN(distDestroy) {
#ifdef DIFFLAB_C10D
  if (A(0).IsExternal()) {
    Group* g = A(0).As<Napi::External<Group>>().Data();
    g->pg.reset();
    g->store.reset();
  }
#endif
  return env.Undefined();
} END
}  // namespace dist

#define EXPORT_DIST(name) exports.Set(#name, Napi::Function::New(env, dist::name, #name))
void InitDistributed(Napi::Env env, Napi::Object exports) {
  EXPORT_DIST(distAvailable); EXPORT_DIST(distInit); EXPORT_DIST(distAllReduce); EXPORT_DIST(distBroadcast);
  EXPORT_DIST(distBarrier); EXPORT_DIST(distDestroy);
}

// Replay of a recorded plan (src/jit/): a compiled step's kernel calls run in order in one
// native call, synchronously (runPlan) or on a libuv worker thread (runPlanAsync, a Promise).
// The core stays stateless: the plan and every buffer come from JS on each call.
//
// runPlan(plan: Float64Array, buffers: TypedArray[])
// runPlanAsync(plan, buffers) -> Promise<void>
// plan: [kPlanMagic, nSteps, then per step:
//          kernel id (index in kKernels, as `planKernels` names it), nOperands,
//          nOperands buffer indices (into `buffers`; -1 for an operand passed as undefined),
//          metaLen, the step's meta (metaLen values, the kernel's own call format)].
// Every field is validated before the first step runs (a corrupt plan is a TypeError /
// RangeError, never an out-of-bounds access); each step is then decoded and bounds-checked by
// the same code as the kernel's JS entry (binding/args.h Meta over Args) and the core. A step
// that fails stops the replay with an error naming the step; earlier steps' writes stay done.
// A plan handle (planCreate, below) keeps most steps decoded and validated after their first
// run (KeptStep), so a replay of a small model is not spent decoding.
//
// planCreate(plan, staticBuffers, dynamicCount, mutableSlots?) -> handle; planRun(handle,
// dynamicBuffers); planRunAsync(handle, dynamicBuffers) -> Promise<void>: the same, with the plan
// parsed and copied and its static buffers resolved once (see PlanHandle below); what src/jit runs.
//
// runPlanAsync: the buffers are resolved to pointers on the JS thread and each typed array is
// held by a napi reference until the Promise settles, so none is collected while the worker
// runs, and tagged (kPlanBufferTag, as a plan handle's static buffers are) so that detachBuffer
// refuses it. The caller must not transfer one meanwhile: src/jit marks the buffers a plan keeps
// as untransferable and copies inputs into buffers it owns (a caller of the raw binding that
// transfers a buffer a handle keeps leaves the handle pointing into freed memory). If the environment is torn down
// mid-run (a worker_threads worker terminated), Node waits for the in-flight work to finish
// before the isolate frees any ArrayBuffer; the Promise is then never settled.
#include <cstring>
#include <memory>
#include <vector>

#include "args.h"

namespace tgb {
namespace {

constexpr double kPlanMagic = 0x7a1e;

struct PlanKernel {
  const char* name;  // the JS entry's name in the addon's exports
  RunFn run;
  size_t max_operands;
  PrepareFn prepare = nullptr;  // when a plan handle may keep the step decoded
};

constexpr PlanKernel kKernels[] = {
    {"unary", run_unary, 2, prepare_unary},
    {"binary", run_binary, 3, prepare_binary},
    {"binaryScalar", run_binary_scalar, 2, prepare_binary_scalar},
    {"binaryInt", run_binary_int, 3},
    {"compare", run_compare, 3},
    {"compareScalar", run_compare_scalar, 2},
    {"where", run_where, 4},
    {"cast", run_cast, 2, prepare_cast},
    {"fill", run_fill, 1, prepare_fill},
    {"reduce", run_reduce, 3, prepare_reduce},
    {"matmul", run_matmul, 4, prepare_matmul},
    {"sgdStep", run_sgd, 3, prepare_sgd},
    {"adamStep", run_adam, 5, prepare_adam},
    {"rmspropStep", run_rmsprop, 5},
    {"adagradStep", run_adagrad, 3},
    {"adadeltaStep", run_adadelta, 4},
    {"indexSelect", run_index_select, 3},
    {"indexAdd", run_index_add, 3},
    {"gather", run_gather, 3},
    {"scatterAdd", run_scatter_add, 3},
    {"scatter", run_scatter, 3},
    {"crossEntropyForward", run_cross_entropy_forward, 4},
    {"crossEntropyBackward", run_cross_entropy_backward, 4},
    {"softmax", run_softmax, 2},
    {"logSoftmax", run_log_softmax, 2},
    {"softmaxBackward", run_softmax_backward, 3},
    {"logSoftmaxBackward", run_log_softmax_backward, 3},
    {"layerNorm", run_layer_norm, 6},
    {"layerNormBackward", run_layer_norm_backward, 8},
    {"conv2d", run_conv2d, 4},
    {"conv2dBackward", run_conv2d_backward, 6},
    {"maxPool2d", run_max_pool2d, 3},
    {"maxPool2dBackward", run_max_pool2d_backward, 3},
    {"avgPool2d", run_avg_pool2d, 2},
    {"avgPool2dBackward", run_avg_pool2d_backward, 2},
    {"adaptiveAvgPool2d", run_adaptive_avg_pool2d, 2},
    {"adaptiveAvgPool2dBackward", run_adaptive_avg_pool2d_backward, 2},
    {"attention", run_attention, 6},
    {"attentionBackward", run_attention_backward, 10},
    {"randomUniform", run_random_uniform, 2},
    {"randomNormal", run_random_normal, 2},
    {"randomDropoutMask", run_random_dropout_mask, 2},
    {"randomInt", run_random_int, 2},
    {"randomPermutation", run_random_permutation, 2},
    {"multinomial", run_multinomial, 3},
    {"cumsum", run_cumsum, 2},
    {"cumprod", run_cumprod, 2},
    {"cumprodBackward", run_cumprod_backward, 3},
    {"sort", run_sort, 3},
    {"topk", run_topk, 3},
    {"unfold", run_unfold, 2},
    {"fold", run_fold, 2},
};
constexpr size_t kNumKernels = sizeof(kKernels) / sizeof(kKernels[0]);

struct Step {
  size_t kernel;
  size_t operands;          // how many
  int64_t index[kMaxOperands];  // into the buffers, -1 = absent
  size_t meta_at, meta_len;     // into the plan
  bool keepable = false;        // a plan handle may keep it decoded (see KeptStep)
  bool dynamic = false;         // one of its buffers is a per-run one
  bool mutable_meta = false;    // its meta holds a slot JS may rewrite between runs
};

// A step a plan handle keeps decoded after its first run (PlanKernel::prepare), with the meta
// and the per-run buffers it was decoded from. The handle's static buffers never change data
// pointer or length (see PlanHandle), so the validation of the first run holds while the meta is
// bit-for-bit the same and each per-run buffer has the type and length it had then (its data is
// rebound). A step whose meta changed (a mutable slot: an optimizer's step counter or learning
// rate, written by src/jit before each run) or whose per-run buffer differs is decoded again.
struct KeptStep {
  struct PerRun {
    size_t operand, buffer;
    napi_typedarray_type type;
    size_t length;
  };
  std::unique_ptr<Prepared> call;
  std::vector<double> meta;
  std::vector<PerRun> per_run;
  void remember(const Step& st, const double* m, const std::vector<Buffer>& bufs, size_t dynamic) {
    meta.assign(m, m + st.meta_len);
    per_run.clear();
    for (size_t i = 0; i < st.operands; ++i)
      if (st.index[i] >= 0 && static_cast<size_t>(st.index[i]) < dynamic) {
        const Buffer& b = bufs[static_cast<size_t>(st.index[i])];
        per_run.push_back({i, static_cast<size_t>(st.index[i]), b.type, b.length});
      }
  }
  // Whether the kept call may run over these buffers; rebinds the per-run ones if so.
  bool bind(const std::vector<Buffer>& bufs) {
    for (const PerRun& p : per_run) {
      const Buffer& b = bufs[p.buffer];
      if (b.state != Buffer::Typed || b.type != p.type || b.length != p.length) return false;
    }
    for (const PerRun& p : per_run) call->rebind(p.operand, bufs[p.buffer].data);
    return true;
  }
  // Bit for bit: a -0 scalar is not 0.
  bool decoded_from(const double* m, size_t n) const {
    return meta.size() == n && (n == 0 || std::memcmp(m, meta.data(), n * sizeof(double)) == 0);
  }
};

// A plan handle's parsed plan and what its replays keep, shared with a planRunAsync in flight,
// which holds it too: when the environment is torn down mid-run, the handle may be finalized
// before the run ends. The header is the handle's own copy: only its mutable slots are read
// again from the caller's header, before each run.
struct PlanState {
  std::vector<double> header;
  std::vector<Step> steps;
  std::vector<size_t> mutable_slots;
  std::vector<KeptStep> kept;  // per step
  size_t dynamic = 0;          // buffers [0, dynamic) are the per-run ones
  bool running = false;        // a planRunAsync in flight (read and written on the JS thread only)
};

// Parses and validates the plan's structure against `nbufs` buffers. Returns ok or the error.
tg::Status parse(const double* p, size_t n, size_t nbufs, std::vector<Step>* steps) {
  auto bad = [](const std::string& m) { return tg::Status::range("runPlan: " + m); };
  size_t pos = 0;
  auto integer = [&](int64_t lo, int64_t hi, int64_t* out) {
    if (pos >= n) return false;
    const double v = p[pos++];
    if (!is_integer_in(v, static_cast<double>(lo), static_cast<double>(hi))) return false;
    *out = static_cast<int64_t>(v);
    return true;
  };
  if (n < 2 || p[0] != kPlanMagic) return bad("not a plan (bad header)");
  pos = 1;
  int64_t count = 0;
  if (!integer(0, 1 << 24, &count)) return bad("bad step count");
  steps->clear();
  steps->reserve(static_cast<size_t>(count));
  for (int64_t s = 0; s < count; ++s) {
    Step st;
    int64_t k = 0, ops = 0, len = 0;
    if (!integer(0, static_cast<int64_t>(kNumKernels) - 1, &k)) return bad("step " + std::to_string(s) + ": bad kernel id");
    st.kernel = static_cast<size_t>(k);
    if (!integer(0, static_cast<int64_t>(kKernels[k].max_operands), &ops))
      return bad("step " + std::to_string(s) + " (" + kKernels[k].name + "): bad operand count");
    st.operands = static_cast<size_t>(ops);
    for (int64_t i = 0; i < ops; ++i)
      if (!integer(-1, static_cast<int64_t>(nbufs) - 1, &st.index[i]))
        return bad("step " + std::to_string(s) + " (" + kKernels[k].name + "): operand " + std::to_string(i) +
                   " names no buffer (there are " + std::to_string(nbufs) + ")");
    if (!integer(0, 1 << 20, &len) || static_cast<size_t>(len) > n - pos)
      return bad("step " + std::to_string(s) + " (" + kKernels[k].name + "): bad meta length");
    st.meta_at = pos;
    st.meta_len = static_cast<size_t>(len);
    pos += st.meta_len;
    steps->push_back(st);
  }
  if (pos != n) return bad("trailing data after the last step");
  return tg::Status::ok();
}

// Runs the parsed steps of the plan over the resolved buffers (no JS: may run off the JS
// thread). With a plan handle's `state`, keepable steps run from their kept decoded calls.
tg::Status execute(const double* plan, const std::vector<Step>& steps, const std::vector<Buffer>& bufs,
                   PlanState* state = nullptr) {
  for (size_t s = 0; s < steps.size(); ++s) {
    const Step& st = steps[s];
    const double* meta = plan + st.meta_at;
    KeptStep* k = state && st.keepable ? &state->kept[s] : nullptr;
    tg::Status r;
    if (k && k->call && (!st.mutable_meta || k->decoded_from(meta, st.meta_len)) && (!st.dynamic || k->bind(bufs))) {
      r = k->call->run();
    } else {
      Buffer ops[kMaxOperands];
      for (size_t i = 0; i < st.operands; ++i) ops[i] = st.index[i] < 0 ? Buffer{} : bufs[static_cast<size_t>(st.index[i])];
      Args a;
      a.meta = meta;
      a.meta_len = st.meta_len;
      a.bufs = ops;
      a.nbufs = st.operands;
      if (k) {
        r = kKernels[st.kernel].prepare(a, &k->call);
        k->remember(st, meta, bufs, state->dynamic);
      } else {
        r = kKernels[st.kernel].run(a);
      }
    }
    if (!r) {
      r.message = "compiled step " + std::to_string(s) + " (" + kKernels[st.kernel].name + "): " + r.message;
      return r;
    }
  }
  return tg::Status::ok();
}

// The plan array's values and the buffers array's typed arrays, checked.
const double* plan_of(const Napi::CallbackInfo& info, size_t* n) {
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  if (info.Length() < 2 || !typed_array(info.Env(), info[0], &type, n, &data) || type != napi_float64_array || !data)
    throw_type(info.Env(), "runPlan: expected (plan: Float64Array, buffers: TypedArray[])");
  return static_cast<const double*>(data);
}

std::vector<Buffer> buffers_of(const Napi::CallbackInfo& info) {
  if (!info[1].IsArray()) throw_type(info.Env(), "runPlan: buffers must be an array of typed arrays");
  Napi::Array arr = info[1].As<Napi::Array>();
  const uint32_t n = arr.Length();
  std::vector<Buffer> bufs(n);
  for (uint32_t i = 0; i < n; ++i) {
    bufs[i] = resolve_buffer(info.Env(), arr.Get(i));
    if (bufs[i].state != Buffer::Typed)
      throw_type(info.Env(), "runPlan: buffer " + std::to_string(i) + " is not a typed array");
  }
  return bufs;
}

Napi::Value RunPlan(const Napi::CallbackInfo& info) {
  size_t n = 0;
  const double* plan = plan_of(info, &n);
  const std::vector<Buffer> bufs = buffers_of(info);
  std::vector<Step> steps;
  check(info.Env(), parse(plan, n, bufs.size(), &steps));
  check(info.Env(), execute(plan, steps, bufs));
  return info.Env().Undefined();
}

class PlanWorker : public Napi::AsyncWorker {
 public:
  PlanWorker(Napi::Env env, std::vector<double> plan, std::vector<Step> steps, std::vector<Buffer> bufs,
             const Napi::Array& arrays)
      : Napi::AsyncWorker(env, "tensorgrad.runPlanAsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        plan_(std::move(plan)),
        steps_(std::move(steps)),
        bufs_(std::move(bufs)) {
    // Each typed array itself, not the JS array (which JS may change meanwhile), tagged so that
    // detachBuffer leaves it alone while the worker runs.
    refs_.reserve(arrays.Length());
    for (uint32_t i = 0; i < arrays.Length(); ++i) {
      Napi::Value b = arrays.Get(i);
      tag_plan_buffer(env, b);
      refs_.push_back(Napi::Persistent(b.As<Napi::Object>()));
    }
  }
  Napi::Promise promise() const { return deferred_.Promise(); }
  void keep(const Napi::Object& o) { refs_.push_back(Napi::Persistent(o)); }
  // A handle's run (the plan and steps left empty): its plan, kept steps and running flag,
  // cleared when the run settles.
  void share(std::shared_ptr<PlanState> state) {
    state_ = std::move(state);
    state_->running = true;
  }

  void Execute() override {
    status_ = state_ ? execute(state_->header.data(), state_->steps, bufs_, state_.get()) : execute(plan_.data(), steps_, bufs_);
  }
  // Settling can fail only when the environment is going away (a worker terminated while the
  // run was in flight: Node still waits for the work to finish, then calls this with JS
  // execution off); the Promise is then dropped, and no exception may escape to the loop.
  void OnOK() override {
    if (state_) state_->running = false;
    try {
      Napi::Env env = Env();
      if (status_) {
        deferred_.Resolve(env.Undefined());
        return;
      }
      Napi::Error e = status_.kind == tg::Status::Type ? Napi::Error(Napi::TypeError::New(env, status_.message))
                                                       : Napi::Error(Napi::RangeError::New(env, status_.message));
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }
  void OnError(const Napi::Error& e) override {
    if (state_) state_->running = false;
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<double> plan_;
  std::vector<Step> steps_;
  std::vector<Buffer> bufs_;
  std::vector<Napi::ObjectReference> refs_;
  std::shared_ptr<PlanState> state_;
  tg::Status status_;
};

Napi::Value RunPlanAsync(const Napi::CallbackInfo& info) {
  size_t n = 0;
  const double* plan = plan_of(info, &n);
  std::vector<Buffer> bufs = buffers_of(info);
  std::vector<Step> steps;
  check(info.Env(), parse(plan, n, bufs.size(), &steps));
  auto* w = new PlanWorker(info.Env(), std::vector<double>(plan, plan + n), std::move(steps), std::move(bufs),
                           info[1].As<Napi::Array>());
  Napi::Promise p = w->promise();
  w->Queue();  // the worker deletes itself after OnOK / OnError
  return p;
}

// A compiled plan kept by the compiled step (src/jit/compiled.ts): parsed and validated once,
// with the plan's own buffers resolved once. Buffer indices [0, dynamic) are the per-run ones
// (inputs and outputs, passed to planRun each time); the others are the static buffers given at
// creation (captured tensors, intermediates, snapshots), held by napi references for the
// handle's life. Their data pointers are cached: the caller never detaches them (src/jit marks
// them untransferable and checks before each run that none was emptied by dispose()); a
// backing store V8 has externalized never moves. The header is copied at creation; the slots
// named mutable (inside steps' meta: src/jit writes the optimizer step counters and learning
// rates there) are read from the caller's header before each run, the others never again.
// A run in flight on a worker thread (planRunAsync) excludes any other run of the handle.
struct PlanHandle {
  std::shared_ptr<PlanState> state = std::make_shared<PlanState>();
  std::vector<Buffer> bufs;  // all buffers: the dynamic slots are filled per run
  std::vector<Napi::ObjectReference> refs;
  Napi::ObjectReference header;
};

constexpr napi_type_tag kPlanTag = {0x7a1e5eed00c0ffeeULL, 0x0a11ab1e5eedf00dULL};

// planCreate's optional 4th argument: the header slots JS may rewrite between runs, each inside
// a step's meta (never the plan's structure), marking those steps.
tg::Status mark_mutable(Napi::Value arg, PlanState* p) {
  auto bad = [](const std::string& m) { return tg::Status::range("planCreate: " + m); };
  if (arg.IsUndefined()) return tg::Status::ok();
  if (!arg.IsArray()) return tg::Status::type("planCreate: mutable slots must be an array of header positions");
  Napi::Array arr = arg.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value v = arr.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!is_integer_in(d, 0, static_cast<double>(p->header.size()) - 1)) return bad("mutable slot " + std::to_string(i) + " is not a header position");
    const size_t slot = static_cast<size_t>(d);
    Step* owner = nullptr;
    for (Step& st : p->steps)
      if (slot >= st.meta_at && slot < st.meta_at + st.meta_len) owner = &st;
    if (!owner) return bad("mutable slot " + std::to_string(slot) + " is not in a step's meta");
    owner->mutable_meta = true;
    p->mutable_slots.push_back(slot);
  }
  return tg::Status::ok();
}

Napi::Value PlanCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t n = 0;
  const double* plan = plan_of(info, &n);
  const std::vector<Buffer> statics = buffers_of(info);
  if (info.Length() < 3 || !info[2].IsNumber()) throw_type(env, "planCreate: expected (plan, staticBuffers, dynamicCount, mutableSlots?)");
  const double d = info[2].As<Napi::Number>().DoubleValue();
  if (!is_integer_in(d, 0, 1 << 20)) throw_range(env, "planCreate: bad dynamic buffer count");
  auto h = std::make_unique<PlanHandle>();
  PlanState& p = *h->state;
  p.dynamic = static_cast<size_t>(d);
  p.header.assign(plan, plan + n);
  check(env, parse(p.header.data(), n, p.dynamic + statics.size(), &p.steps));
  for (Step& s : p.steps) {
    s.keepable = kKernels[s.kernel].prepare != nullptr;
    for (size_t i = 0; i < s.operands; ++i)
      if (s.index[i] >= 0 && static_cast<size_t>(s.index[i]) < p.dynamic) s.dynamic = true;
  }
  check(env, mark_mutable(info.Length() > 3 ? info[3] : env.Undefined(), &p));
  p.kept.resize(p.steps.size());
  h->bufs.resize(p.dynamic);
  h->bufs.insert(h->bufs.end(), statics.begin(), statics.end());
  Napi::Array arr = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value b = arr.Get(i);
    tag_plan_buffer(env, b);
    h->refs.push_back(Napi::Persistent(b.As<Napi::Object>()));
  }
  h->header = Napi::Persistent(info[0].As<Napi::Object>());
  Napi::External<PlanHandle> ext = Napi::External<PlanHandle>::New(env, h.release(), [](Napi::Env, PlanHandle* q) { delete q; });
  ext.TypeTag(&kPlanTag);
  return ext;
}

// The handle and the per-run buffers of planRun / planRunAsync, checked; fills h->bufs' dynamic
// slots and reads the mutable slots from the caller's header.
PlanHandle* handle_of(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal() || !info[0].As<Napi::Object>().CheckTypeTag(&kPlanTag))
    throw_type(env, "planRun: expected (plan handle from planCreate, buffers)");
  PlanHandle* h = info[0].As<Napi::External<PlanHandle>>().Data();
  PlanState& p = *h->state;
  if (p.running) throw_type(env, "planRun: a planRunAsync of this plan is still in flight; await it before running it again");
  if (!info[1].IsArray()) throw_type(env, "planRun: buffers must be an array of typed arrays");
  Napi::Array arr = info[1].As<Napi::Array>();
  if (arr.Length() != p.dynamic)
    throw_range(env, "planRun: expected " + std::to_string(p.dynamic) + " buffers, got " + std::to_string(arr.Length()));
  for (uint32_t i = 0; i < p.dynamic; ++i) {
    h->bufs[i] = resolve_buffer(env, arr.Get(i));
    if (h->bufs[i].state != Buffer::Typed) throw_type(env, "planRun: buffer " + std::to_string(i) + " is not a typed array");
  }
  if (!p.mutable_slots.empty()) {
    napi_typedarray_type type = napi_int8_array;
    size_t len = 0;
    void* data = nullptr;
    if (!typed_array(env, h->header.Value(), &type, &len, &data) || type != napi_float64_array || len != p.header.size() || !data)
      throw_type(env, "planRun: the plan's header was detached or changed");
    const double* js = static_cast<const double*>(data);
    for (size_t slot : p.mutable_slots) p.header[slot] = js[slot];
  }
  return h;
}

Napi::Value PlanRun(const Napi::CallbackInfo& info) {
  PlanHandle* h = handle_of(info);
  check(info.Env(), execute(h->state->header.data(), h->state->steps, h->bufs, h->state.get()));
  return info.Env().Undefined();
}

Napi::Value PlanRunAsync(const Napi::CallbackInfo& info) {
  PlanHandle* h = handle_of(info);
  auto* w = new PlanWorker(info.Env(), {}, {}, h->bufs, info[1].As<Napi::Array>());
  w->keep(info[0].As<Napi::Object>());  // the handle (and so its static buffers) until it settles
  w->share(h->state);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace

void register_plan(Napi::Env env, Napi::Object exports) {
  exports.Set("runPlan", Napi::Function::New(env, RunPlan, "runPlan"));
  exports.Set("runPlanAsync", Napi::Function::New(env, RunPlanAsync, "runPlanAsync"));
  exports.Set("planCreate", Napi::Function::New(env, PlanCreate, "planCreate"));
  exports.Set("planRun", Napi::Function::New(env, PlanRun, "planRun"));
  exports.Set("planRunAsync", Napi::Function::New(env, PlanRunAsync, "planRunAsync"));
  Napi::Object ids = Napi::Object::New(env);
  for (size_t i = 0; i < kNumKernels; ++i) ids.Set(kKernels[i].name, Napi::Number::New(env, static_cast<double>(i)));
  exports.Set("planKernels", ids);
  exports.Set("planMagic", Napi::Number::New(env, kPlanMagic));
}

}  // namespace tgb

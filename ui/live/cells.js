// The cell equations of rnnviz/cells.py and the BPTT of rnnviz/bptt.py, for one sequence, in
// float64: what the live views compute in the browser while the learner drags. The Python
// engine is the truth; tests/test_live_equations.py holds every number here to record()'s.
// Shapes are flat, row-major: weight_ih (G*H, I), weight_hh (G*H, H), x (T, I), h (T, H).
var RnnvizCells = (() => {
  const GATES = { rnn: 1, lstm: 4, gru: 3 };

  const sigmoid = (a) => 0.5 * (Math.tanh(0.5 * a) + 1.0);  // as cells.sigmoid: never overflows

  function affine(W, b, v, rows, cols, vOffset, out) {
    // out[r] = W[r, :] . v[vOffset : vOffset + cols] + b[r]
    for (let r = 0; r < rows; r++) {
      let sum = 0.0;
      const row = r * cols;
      for (let k = 0; k < cols; k++) sum += W[row + k] * v[vOffset + k];
      out[r] = sum + b[r];
    }
  }

  // Forward over x (T, I) from a zero state: h (T, H) and each step's intermediates.
  function forward(p, x, T) {
    const H = p.H, I = p.I, G = GATES[p.cell], GH = G * H;
    const h = new Float64Array(T * H);
    const ax = new Float64Array(GH), ah = new Float64Array(GH);
    const zeros = new Float64Array(H);
    const run = { T, h, a: new Float64Array(T * GH) };
    if (p.cell === "lstm") for (const n of ["i", "f", "g", "o", "c"]) run[n] = new Float64Array(T * H);
    if (p.cell === "gru") for (const n of ["r", "z", "n", "ahn"]) run[n] = new Float64Array(T * H);
    for (let t = 0; t < T; t++) {
      const prev = t ? h.subarray((t - 1) * H, t * H) : zeros;
      affine(p.weight_ih, p.bias_ih, x, GH, I, t * I, ax);
      affine(p.weight_hh, p.bias_hh, prev, GH, H, 0, ah);
      const base = t * H;
      if (p.cell === "rnn") {
        for (let j = 0; j < H; j++) {
          const a = ax[j] + ah[j];
          run.a[base + j] = a;
          h[base + j] = p.nonlinearity === "relu" ? Math.max(a, 0.0) : Math.tanh(a);
        }
      } else if (p.cell === "lstm") {
        for (let j = 0; j < H; j++) {
          const i = sigmoid(ax[j] + ah[j]), f = sigmoid(ax[H + j] + ah[H + j]);
          const g = Math.tanh(ax[2 * H + j] + ah[2 * H + j]), o = sigmoid(ax[3 * H + j] + ah[3 * H + j]);
          const c = f * (t ? run.c[base - H + j] : 0.0) + i * g;
          run.i[base + j] = i; run.f[base + j] = f; run.g[base + j] = g; run.o[base + j] = o;
          run.c[base + j] = c;
          h[base + j] = o * Math.tanh(c);
        }
      } else {
        for (let j = 0; j < H; j++) {
          const r = sigmoid(ax[j] + ah[j]), z = sigmoid(ax[H + j] + ah[H + j]);
          const n = Math.tanh(ax[2 * H + j] + r * ah[2 * H + j]);
          run.r[base + j] = r; run.z[base + j] = z; run.n[base + j] = n; run.ahn[base + j] = ah[2 * H + j];
          h[base + j] = (1.0 - z) * n + z * prev[j];
        }
      }
    }
    return run;
  }

  // From t = T back to t = 1, carrying dL/d(state); nothing flows back past a step in `cuts`
  // (truncated BPTT's window starts). gradDirect (T, H): dL/dh_t through y_t alone.
  // Returns dL/dh_t (T, H) and the per-step gradients of the pre-activations (T, G*H).
  function backward(p, run, gradDirect, cuts) {
    const T = run.T, H = p.H, G = GATES[p.cell], GH = G * H;
    const gradHidden = new Float64Array(T * H);
    const gradIh = new Float64Array(T * GH), gradHh = new Float64Array(T * GH);
    let gradH = new Float64Array(H), gradC = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const base = t * H, pre = t * GH;
      for (let j = 0; j < H; j++) {
        gradH[j] += gradDirect[base + j];
        gradHidden[base + j] = gradH[j];
      }
      const nextH = new Float64Array(H), nextC = new Float64Array(H);
      if (p.cell === "rnn") {
        for (let j = 0; j < H; j++) {
          const slope = p.nonlinearity === "relu" ? (run.a[pre + j] > 0 ? 1.0 : 0.0)
            : 1.0 - run.h[base + j] * run.h[base + j];
          gradIh[pre + j] = gradHh[pre + j] = gradH[j] * slope;
        }
      } else if (p.cell === "lstm") {
        for (let j = 0; j < H; j++) {
          const i = run.i[base + j], f = run.f[base + j], g = run.g[base + j], o = run.o[base + j];
          const tanhC = Math.tanh(run.c[base + j]), cPrev = t ? run.c[base - H + j] : 0.0;
          const gc = gradC[j] + gradH[j] * o * (1.0 - tanhC * tanhC);  // through h_t and c_{t+1}
          const ga = [gc * g * i * (1.0 - i), gc * cPrev * f * (1.0 - f), gc * i * (1.0 - g * g),
                      gradH[j] * tanhC * o * (1.0 - o)];
          for (let k = 0; k < 4; k++) gradIh[pre + k * H + j] = gradHh[pre + k * H + j] = ga[k];
          nextC[j] = gc * f;
        }
      } else {
        for (let j = 0; j < H; j++) {
          const r = run.r[base + j], z = run.z[base + j], n = run.n[base + j];
          const hPrev = t ? run.h[base - H + j] : 0.0;
          const gn = gradH[j] * (1.0 - z) * (1.0 - n * n);
          const gr = gn * run.ahn[base + j] * r * (1.0 - r);
          const gz = gradH[j] * (hPrev - n) * z * (1.0 - z);
          gradIh[pre + j] = gradHh[pre + j] = gr;
          gradIh[pre + H + j] = gradHh[pre + H + j] = gz;
          gradIh[pre + 2 * H + j] = gn;
          gradHh[pre + 2 * H + j] = gn * r;  // r_t scales W_hn h_{t-1}
          nextH[j] = gradH[j] * z;
        }
      }
      for (let j = 0; j < H; j++) {  // dL/dh_{t-1} += (dL/da_t)^T W_h
        let sum = 0.0;
        for (let row = 0; row < GH; row++) sum += gradHh[pre + row] * p.weight_hh[row * H + j];
        nextH[j] += sum;
      }
      gradH = nextH;
      gradC = nextC;
      if (cuts.has(t)) { gradH.fill(0.0); gradC.fill(0.0); }
    }
    return { gradHidden, gradIh, gradHh };
  }

  // Truncated BPTT's windows, as bptt.windows: [start, stop) pairs.
  function windows(T, tbptt, target) {
    if (!tbptt || tbptt >= T) return [[0, T]];
    if (target === "last") return [[T - tbptt, T]];
    const found = [];
    for (let start = 0; start < T; start += tbptt) found.push([start, Math.min(start + tbptt, T)]);
    return found;
  }

  // One forward and backward pass with a mean-squared-error loss on y_T ("last", y: O numbers)
  // or on every y_t ("all", y: T*O numbers): record() for one sequence.
  function record(p, x, T, y, target, tbptt) {
    const H = p.H, O = p.O, G = GATES[p.cell], GH = G * H;
    const run = forward(p, x, T);
    const steps = target === "last" ? [T - 1] : [...Array(T).keys()];
    const outputs = new Float64Array(steps.length * O);
    steps.forEach((t, k) => affine(p.head_weight, p.head_bias, run.h, O, H, t * H, outputs.subarray(k * O)));
    let loss = 0.0;
    const gradOut = new Float64Array(outputs.length);
    for (let k = 0; k < outputs.length; k++) {
      const diff = outputs[k] - y[k];
      loss += diff * diff / outputs.length;
      gradOut[k] = 2.0 * diff / outputs.length;
    }
    const spans = windows(T, tbptt, target);
    const inWindow = new Uint8Array(T);
    for (const [start, stop] of spans) inWindow.fill(1, start, stop);
    const gradDirect = new Float64Array(T * H);
    steps.forEach((t, k) => {
      if (!inWindow[t]) return;
      for (let j = 0; j < H; j++) {
        let sum = 0.0;
        for (let o = 0; o < O; o++) sum += gradOut[k * O + o] * p.head_weight[o * H + j];
        gradDirect[t * H + j] = sum;
      }
    });
    const cuts = new Set(spans.map(([start]) => start).filter((start) => start > 0));
    const back = backward(p, run, gradDirect, cuts);
    const weightHh = new Float64Array(GH * H), stepNorms = new Float64Array(T);
    for (let t = 0; t < T; t++) {  // step t's term of dL/dW_h: dL/da_t h_{t-1}^T
      let gradSq = 0.0, prevSq = 0.0;
      for (let row = 0; row < GH; row++) gradSq += back.gradHh[t * GH + row] ** 2;
      if (t) for (let j = 0; j < H; j++) prevSq += run.h[(t - 1) * H + j] ** 2;
      stepNorms[t] = Math.sqrt(gradSq * prevSq);
      if (!t) continue;
      for (let row = 0; row < GH; row++) {
        const g = back.gradHh[t * GH + row];
        for (let j = 0; j < H; j++) weightHh[row * H + j] += g * run.h[(t - 1) * H + j];
      }
    }
    return { run, hidden: run.h, outputs, loss, gradDirect, gradHidden: back.gradHidden,
             paramGrads: { weight_hh: weightHh }, weightHhStepNorms: stepNorms };
  }

  // ||row|| of a (T, H) array, per step, scaled by the row's largest entry as Trace.grad_hidden_norm
  // does, so that no square overflows.
  function norms(values, T, H) {
    const out = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let largest = 0.0;
      for (let j = 0; j < H; j++) largest = Math.max(largest, Math.abs(values[t * H + j]));
      if (Number.isNaN(largest) || !Number.isFinite(largest)) { out[t] = largest; continue; }
      const scale = largest > 0 ? largest : 1.0;
      let sum = 0.0;
      for (let j = 0; j < H; j++) sum += (values[t * H + j] / scale) ** 2;
      out[t] = scale * Math.sqrt(sum);
    }
    return out;
  }

  return { GATES, sigmoid, forward, backward, windows, record, norms };
})();

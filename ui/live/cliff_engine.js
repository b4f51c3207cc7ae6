// Pascanu, Mikolov & Bengio's one-unit RNN of rnnviz/cliff.py, line for line, in the browser:
//     x_t = w sigmoid(x_{t-1}) + b,  x_0 = 0.5,  L = (sigmoid(x_50) - 0.7)^2
// with its gradient carried forward, plain and clipped gradient descent, where a path settles,
// and the valley floor. The sigmoid is built, as there, from + − × ÷ alone, so both give the
// same bits (tests/test_live_equations.py holds every number here to the engine's).
var RnnvizCliff = (() => {
  const STEPS = 50, X0 = 0.5, TARGET = 0.7;
  const LN2_HIGH = 6.93147180369123816490e-01, LN2_LOW = 1.90821492927058770002e-10, INVERSE_LN2 = 1.4426950408889634;
  const TAYLOR = [];
  for (let n = 0, factorial = 1; n < 14; n++, factorial *= n) TAYLOR.push(1.0 / factorial);
  const LARGEST = 700.0;
  const W_RANGE = [-2.0, 16.0], B_RANGE = [-10.0, 2.0];
  const SETTLED_LOSS = 0.01, SETTLED_STEPS = 5;

  // 2^k for k = -1022 .. 1023, each exact (doubling and halving are), as numpy's ldexp multiplies
  const POW2 = new Float64Array(2046);
  POW2[1022] = 1.0;
  for (let k = 1; k <= 1023; k++) POW2[1022 + k] = POW2[1021 + k] * 2.0;
  for (let k = 1; k <= 1022; k++) POW2[1022 - k] = POW2[1023 - k] / 2.0;

  function exp(a) {
    const k = Math.floor(a * INVERSE_LN2 + 0.5);
    const r = (a - k * LN2_HIGH) - k * LN2_LOW;
    let series = TAYLOR[13];
    for (let n = 12; n >= 0; n--) series = series * r + TAYLOR[n];
    return series * POW2[1022 + k];
  }

  const sigmoid = (a) => 1.0 / (1.0 + exp(-Math.min(Math.max(a, -LARGEST), LARGEST)));

  // L, dL/dw, dL/db at one point
  function lossAndGrad(w, b) {
    let x = X0, dxdw = 0.0, dxdb = 0.0;
    for (let t = 0; t < STEPS; t++) {
      const s = sigmoid(x);
      const slope = w * s * (1.0 - s);
      dxdw = s + slope * dxdw;
      dxdb = 1.0 + slope * dxdb;
      x = w * s + b;
    }
    const s = sigmoid(x);
    const dLdx = 2.0 * (s - TARGET) * s * (1.0 - s), miss = s - TARGET;
    return [miss * miss, dLdx * dxdw, dLdx * dxdb];
  }

  function output(w, b) {
    let x = X0;
    for (let t = 0; t < STEPS; t++) x = w * sigmoid(x) + b;
    return sigmoid(x);
  }

  // cliff.descend: the path of iterations + 1 points and the gradient's norm at each step
  function descend(w0, b0, lr, iterations, clip = null) {
    const w = [w0], b = [b0], norms = [];
    for (let k = 0; k < iterations; k++) {
      const [, gw, gb] = lossAndGrad(w[k], b[k]);
      const norm = Math.sqrt(gw * gw + gb * gb);
      norms.push(norm);
      const scale = clip !== null && norm > 0 ? Math.min(1.0, clip / norm) : 1.0;
      w.push(w[k] - lr * scale * gw);
      b.push(b[k] - lr * scale * gb);
    }
    return { w, b, norms };
  }

  // cliff.settled_from
  function settledFrom(losses) {
    let first = 0;
    losses.forEach((loss, k) => { if (!(loss < SETTLED_LOSS)) first = k + 1; });
    return losses.length - first >= SETTLED_STEPS ? first : null;
  }

  // cliff.valley_floor: for each w, the b where the output is exactly the target, or NaN
  function valleyFloor(ws, bs, halvings = 30) {
    return ws.map((w) => {
      const excess = bs.map((b) => output(w, b) - TARGET);
      const first = excess.findIndex((v, k) => k + 1 < excess.length && Math.sign(v) !== Math.sign(excess[k + 1]));
      if (first < 0) return NaN;
      let low = bs[first], high = bs[first + 1];
      const lowSign = Math.sign(output(w, low) - TARGET);
      for (let k = 0; k < halvings; k++) {
        const middle = (low + high) / 2;
        if (Math.sign(output(w, middle) - TARGET) === lowSign) low = middle; else high = middle;
      }
      const floor = (low + high) / 2;
      return Math.abs(output(w, floor) - TARGET) < 1e-3 ? floor : NaN;
    });
  }

  // cliff.view_box: where the paths move, padded, at least `smallest` wide each way
  function viewBox(paths, smallest = 1.5, margin = 0.25) {
    const w = [], b = [];
    for (const path of paths) path.w.forEach((v, k) => {
      const u = path.b[k];
      if (Number.isFinite(v) && Number.isFinite(u) && W_RANGE[0] <= v && v <= W_RANGE[1] && B_RANGE[0] <= u && u <= B_RANGE[1]) { w.push(v); b.push(u); }
    });
    return [[w, W_RANGE], [b, B_RANGE]].map(([values, [low, high]]) => {
      const lo = Math.min(...values), hi = Math.max(...values);
      const centre = (lo + hi) / 2, half = Math.max(((hi - lo) / 2) * (1 + 2 * margin), smallest / 2);
      return [Math.max(low, centre - half), Math.min(high, centre + half)];
    });
  }

  return { STEPS, W_RANGE, B_RANGE, SETTLED_LOSS, exp, sigmoid, lossAndGrad, output, descend, settledFrom, valleyFloor, viewBox };
})();

// The network of the unrolled page at the settings on screen, computed in the browser: the
// drawn weights of its hidden size with W_h rescaled to the spectral radius (as Model does), the
// page's sine wave of length T, and record() of it with the loss on y_T. Shared by the page's two
// views (unrolled.js, truncation.js).
const UNROLLED_RUN = (state, tbptt = null) => {
  const { decode } = RnnvizView;
  const s = state.settings, data = state.data;
  const key = `${data.draw}|${s.H}|${s.T}`;
  if (!state.cache[key]) {
    const drawn = data.models[s.H - 1], base = {};
    for (const name of ["weight_ih", "weight_hh", "bias_ih", "bias_hh", "head_weight", "head_bias"]) base[name] = decode(drawn[name]);
    state.cache = { [key]: { drawn, base, x: decode(data.inputs[s.T - 2]), y: [data.targets[s.T - 2]] } };
  }
  const { drawn, base, x, y } = state.cache[key];
  const factor = drawn.rho === 0 ? 1 : s.radius / drawn.rho;
  const p = { ...drawn, ...base, nonlinearity: s.act, weight_hh: base.weight_hh.map((v) => v * factor) };
  return { p, x, y, full: RnnvizCells.record(p, x, s.T, y, "last", tbptt) };
};

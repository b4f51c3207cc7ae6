// What every live view shares: its controls, built from the rows of ui/settings.py that the page
// sends; the learner's settings, redrawn on every move within a frame and sent to the page once
// a move ends; and the page's settings taken in when the page has seen the browser's newest
// (the sequence numbers of ui/live.py). A page may show several views (the unrolled network,
// then further down its truncation): they share one set of settings in the browser, each
// owning the controls it shows and redrawing when any of them moves. A view supplies
// layout(state, el) -> {setting: container} and draw(state); limits and disabled optionally.
var RnnvizView = (() => {
  const COMMIT_AFTER = 250;  // ms after the last move: a drag or a run of key presses is sent once
  const pages = (window.__rnnvizLive = window.__rnnvizLive || {});

  const el = (tag, attrs = {}, parent = null, text = null) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === true) node.setAttribute(name, "");
      else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, value);
    }
    if (text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  };

  const shown = (value, control) => {
    if (control.kind === "choice") return control.labels[control.choices.indexOf(String(value))] ?? String(value);
    if (control.kind === "float") return RnnvizDraw.python_g(value, 6);
    return String(value);
  };

  function slider(state, name, control, parent) {
    const box = el("div", { class: "rv-control", "data-setting": name }, parent);
    const id = `${state.id}-${name}`;
    const label = el("label", { for: id }, box);
    el("span", {}, label, control.label);
    const value = el("span", { class: "rv-value", "aria-hidden": "true" }, label);
    const input = el("input", { id, type: "range", min: control.low, max: control.high, step: control.step,
                                 title: control.help || null }, box);
    input.addEventListener("input", () => state.move(name, Number(input.value)));
    input.addEventListener("change", () => state.commitSoon());
    return { box, sync(v, high, disabled) {
      if (high !== undefined) input.max = high;
      input.disabled = !!disabled;
      input.value = v;
      value.textContent = shown(v, control);
      input.setAttribute("aria-valuetext", shown(v, control));
    } };
  }

  function choices(state, name, control, parent) {
    const box = el("div", { class: "rv-control", "data-setting": name }, parent);
    const group = el("fieldset", {}, box);
    el("legend", {}, group, control.label);
    const row = el("div", { class: "rv-choices", role: "radiogroup" }, group);
    const inputs = control.choices.map((choice, k) => {
      const option = el("label", { class: "rv-choice" }, row);
      const input = el("input", { type: "radio", name: `${state.id}-${name}`, value: choice }, option);
      const face = el("span", {}, option, control.labels[k]);
      const swatch = (state.data.colours || {})[choice];
      if (swatch) face.style.setProperty("--rv-swatch", swatch);
      input.addEventListener("change", () => { if (input.checked) { state.move(name, choice); state.commitSoon(); } });
      return input;
    });
    return { box, sync(v, _high, disabled) {
      for (const input of inputs) { input.checked = input.value === String(v); input.disabled = !!disabled; }
    } };
  }

  function toggle(state, name, control, parent) {
    const box = el("div", { class: "rv-control", "data-setting": name }, parent);
    const label = el("label", { class: "rv-choice" }, box);
    const input = el("input", { type: "checkbox" }, label);
    el("span", {}, label, control.label);
    input.addEventListener("change", () => { state.move(name, input.checked); state.commitSoon(); });
    return { box, sync(v) { input.checked = !!v; } };
  }

  // A list of numbers typed in a box (the hidden-state page's sequence), read by the rule of
  // Setting._parse_numbers: 2 to `high` numbers within ±`low`. A list that cannot be used leaves
  // the last good one drawn, and says so; the page parses it again when it is sent.
  function numbers(state, name, control, parent) {
    const box = el("div", { class: "rv-control", "data-setting": name }, parent);
    const id = `${state.id}-${name}`;
    el("label", { for: id }, box, control.label);
    const input = el("input", { id, type: "text", inputmode: "decimal", autocomplete: "off", title: control.help || null }, box);
    const hint = el("div", { class: "rv-hint", role: "status" }, box);
    let typed = null;
    input.addEventListener("input", () => {
      typed = input.value;
      const parts = typed.replace(/[; ]/g, ",").split(",").filter((part) => part);
      const values = parts.map(Number);
      const bad = parts.find((part, k) => part.trim() === "" || !Number.isFinite(values[k]));
      const problem = bad !== undefined ? `“${bad}” is not a number`
        : values.length < 2 || values.length > control.high ? `give between 2 and ${control.high} numbers (got ${values.length})` : null;
      hint.textContent = problem ? `${problem}. Showing ${state.settings[name].join(", ")} until the box holds a valid list.`
        : values.some((v) => Math.abs(v) > control.low) ? `Numbers are kept within ±${control.low}.` : "";
      if (!problem) {
        state.move(name, values.map((v) => Math.min(Math.max(v, -control.low), control.low)));
        state.commitSoon();  // a pause in the typing is its end
      }
    });
    // once a valid list has been typed and the box left, the page's list (a link, Reset) shows again;
    // text that cannot be used stays in the box until it is mended
    input.addEventListener("blur", () => { if (!hint.textContent.includes("Showing")) typed = null; });
    return { box, sync(v) { if (typed === null && document.activeElement !== input) input.value = v.join(", "); } };
  }

  const MAKERS = { int: slider, float: slider, choice: choices, bool: toggle, numbers };

  function mount(component, view) {
    const { data, parentElement: parent, setStateValue } = component;
    const page = (pages[data.page] = pages[data.page] || { settings: {}, views: new Set() });
    let state = parent.__rnnviz;
    if (!state) {
      state = parent.__rnnviz = {
        id: `rv-${Math.random().toString(36).slice(2, 8)}`, sentSeq: data.seq, page, data,
        settings: page.settings, owned: Object.keys(data.controls), timer: null, frame: null,
        redraws: 0, cache: {}, widgets: {}, current: {},
      };
      // a view that opens takes the page's settings, but not over another view's moves in progress
      const busy = new Set([...page.views].filter((v) => v.root.isConnected && v.timer !== null).flatMap((v) => v.owned));
      for (const [name, value] of Object.entries(data.settings)) if (!busy.has(name)) page.settings[name] = value;
      state.root = el("div", { class: "rv" }, parent);
      state.move = (name, value) => {
        page.settings[name] = value;
        for (const other of page.views) if (other.root.isConnected) other.redraw();
      };
      state.commitSoon = () => {
        clearTimeout(state.timer);
        state.timer = setTimeout(() => {
          state.timer = null;
          state.sentSeq += 1;
          const settings = Object.fromEntries(state.owned.map((name) => [name, page.settings[name]]));
          setStateValue("view", { settings, seq: state.sentSeq });
        }, COMMIT_AFTER);
      };
      state.redraw = () => {
        if (state.frame === null) state.frame = requestAnimationFrame(() => { state.frame = null; state.draw(); });
      };
      state.draw = () => {
        const limits = view.limits ? view.limits(page.settings, state.data) : {};
        for (const [name, high] of Object.entries(limits)) page.settings[name] = Math.min(page.settings[name], high);
        const disabled = view.disabled ? view.disabled(page.settings) : {};
        for (const [name, widget] of Object.entries(state.widgets)) widget.sync(page.settings[name], limits[name], disabled[name]);
        state.font = state.data.presenting ? 22 : 13;
        view.draw(state);
        state.redraws += 1;
        state.root.dataset.redraws = state.redraws;
      };
      const containers = view.layout(state, el);
      for (const name of state.owned) {
        const maker = MAKERS[data.controls[name].kind];
        if (maker && containers[name]) state.widgets[name] = maker(state, name, data.controls[name], containers[name]);
      }
      new ResizeObserver(() => state.redraw()).observe(state.root);
      for (const old of [...page.views]) if (!old.root.isConnected) page.views.delete(old);
      page.views.add(state);
    } else if (data.seq >= state.sentSeq) {
      // the page has taken in this view's newest settings: its values are the truth (a button, a link)
      for (const name of state.owned) page.settings[name] = data.settings[name];
      state.sentSeq = data.seq;
      for (const other of page.views) if (other !== state && other.root.isConnected) other.redraw();
    }
    state.data = data;
    state.root.classList.toggle("rv-present", !!data.presenting);
    for (const [name, widget] of Object.entries(state.widgets)) {
      widget.box.hidden = data.shown !== null && !data.shown.includes(name);
    }
    state.draw();
  }

  // "Pin this": keeps what a figure shows now (the view's state.current[name], which its draw
  // sets) to draw as a grey ghost while the learner changes the settings, two settings on one
  // chart. Kept for the page while the browser tab lives. Returns the pinned thing, or null.
  function pinControl(state, name, parent) {
    const row = el("div", { class: "rv-pin" }, parent);
    const pin = el("button", { type: "button", class: "rv-button" }, row);
    const clear = el("button", { type: "button", class: "rv-button" }, row, "Clear the pin");
    const pins = (state.page.pins = state.page.pins || {});
    const sync = () => {
      clear.hidden = !pins[name];
      pin.textContent = pins[name] ? "Pin this instead" : "Pin this, to compare";
    };
    pin.addEventListener("click", () => { pins[name] = state.current[name]; sync(); state.redraw(); });
    clear.addEventListener("click", () => { delete pins[name]; sync(); state.redraw(); });
    sync();
    return () => pins[name] || null;
  }

  // A note box, or nothing, in a slot.
  function note(slot, kind, text) {
    slot.replaceChildren();
    if (text) el("div", { class: `rv-note rv-${kind}`, role: kind === "error" ? "alert" : "status" }, slot, text);
  }

  const decode = (text) => {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new Float64Array(bytes.buffer);
  };

  return { el, mount, note, decode, pinControl };
})();

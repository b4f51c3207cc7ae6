// The keys a presentation clicker sends (Right, Page Down or Space: forward; Left or Page Up:
// back) move the teacher's deck, wherever the page has the focus, except where a control uses the
// key itself: a slider's arrows, a radio's, a text box's. A button keeps Space and Enter (they
// press it) but not the arrows, so the clicker still works after "Next" was clicked with a mouse.
const FORWARD = new Set(["ArrowRight", "PageDown", " "]), BACK = new Set(["ArrowLeft", "PageUp"]);
const OWN_KEYS = 'input, textarea, select, [role="slider"], [role="radio"], [role="radiogroup"], [role="tab"], ' +
  '[role="combobox"], [role="listbox"], [role="option"], [contenteditable="true"]';

// a control the teacher cannot see (the presenter-mode toggle, folded away with the sidebar) keeps
// the focus but not the keys
function shown(element) {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 &&
    !element.closest('[data-testid="stSidebar"][aria-expanded="false"]');
}

export default function (component) {
  const { setTriggerValue } = component;
  // one listener per tab: a page run draws this again with the same job to do
  if (window.__rnnvizDeckKeys) document.removeEventListener("keydown", window.__rnnvizDeckKeys);
  const onKey = (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    const move = FORWARD.has(event.key) ? 1 : BACK.has(event.key) ? -1 : 0;
    const target = event.target instanceof Element && shown(event.target) ? event.target : null;
    if (!move || (target && target.closest(OWN_KEYS))) return;
    if (event.key === " " && target && target.closest("button, a, summary")) return;
    event.preventDefault();  // Space and Page Down would scroll the page as well
    setTriggerValue("move", move);
  };
  window.__rnnvizDeckKeys = onKey;
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    if (window.__rnnvizDeckKeys === onKey) window.__rnnvizDeckKeys = null;
  };
}

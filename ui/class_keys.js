// What this browser keeps of a class session, in its own storage and never in an address a room
// can see or copy: the teacher's right to reveal the room's answers, and the student's random id
// (so that a reload is the same student, and a copied link makes a new one). A reload, or another
// tab of the same browser, gets both back; a student who types the projected address gets neither.
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const teacher = `rnnviz-teach-${data.room}`, student = "rnnviz-student";
  if (data.token) localStorage.setItem(teacher, data.token);
  const kept = { token: data.token ? null : localStorage.getItem(teacher), student: localStorage.getItem(student) };
  if (!kept.student) localStorage.setItem(student, data.student);
  const asked = (parentElement.__rnnvizAsked = parentElement.__rnnvizAsked || new Set());
  for (const [name, value] of Object.entries(kept)) {
    // once per server session: a reconnection to a restarted or another server is a new session
    // that must be told again; within one, the page says whether it was right
    const once = `${name}|${data.room}|${value}|${data.session}`;
    if (value && value !== data[name] && !asked.has(once)) {
      asked.add(once);
      // with the session in it, so that a new session hears it even if the value is what this
      // page sent an earlier one (the same value again would not count as a change)
      setStateValue(name, `${value}|${data.session}`);
    }
  }
}

"""Settings <-> widgets <-> URL.

app.py calls `page_settings(page)` before any widget. When a session opens (a shared link,
a hand edit: the browser loads the page anew) or a page_link brings the learner to another
page, the URL's query parameters (parsed, clamped, with notices) seed the widgets; otherwise
the widgets lead, and `publish()` mirrors their values into the URL so the address bar is
always a link to the current view.

Why not Streamlit 1.67's own `bind="query-params"` on each widget: tried and rejected. It
resets an out-of-range or malformed value silently to the default instead of clamping it with
a notice, writes the display label rather than the value into the link, and forces every
widget's key into the URL. This module parses each value by its row in ui/settings.py.
"""

import streamlit as st

from . import presenter
from .settings import LINK_FLAGS, PAGES, SEED, link_values, quoted

_PUBLISHED = "_published"  # the query this session last wrote into the URL
_PUBLISHED_PAGE = "_published_page"  # and the page it wrote it for


def key(page, setting):
    return "seed" if setting is SEED else f"{page}.{setting.name}"


def _all_settings(page):
    return (SEED,) + PAGES[page]


def page_settings(page):
    """Seed this page's widget state from the URL when it is a link to follow (see the module
    docstring); show what had to be fixed in it."""
    notices = []
    if _is_new_link(page):
        for setting in _all_settings(page):
            if setting.name in st.query_params:
                value, notice = setting.parse(st.query_params[setting.name])
                st.session_state[key(page, setting)] = _stored(setting, value)
                if notice:
                    notices.append(notice)
        notices += _unknown_names(page)
    for setting in _all_settings(page):
        st.session_state.setdefault(key(page, setting), _stored(setting, setting.default))
    for notice in notices:
        st.warning(notice)


def _is_new_link(page):
    """Whether the URL is a link to follow rather than an echo of what this session wrote.
    While a slider moves, a rerun can carry an address the app wrote a run or two earlier;
    following it would undo the learner's last moves, so on the same page the widgets lead.
    Switching pages through the menu carries the last page's parameters along: not a link."""
    if _PUBLISHED not in st.session_state:
        return True  # a fresh session: the browser opened this address
    return (st.session_state[_PUBLISHED_PAGE] != page
            and dict(st.query_params) != st.session_state[_PUBLISHED])


def _unknown_names(page):
    """Notices for what a link names that this page does not have (a typo, another page's)."""
    names = {setting.name for setting in _all_settings(page)}
    unknown = [name for name in st.query_params if name not in names | set(LINK_FLAGS)]
    notices = [f"The link's “{quoted(name)}” is not a setting of this page, so it was ignored."
               for name in unknown]
    missing = (presenter.shown() or set()) - names
    if missing:
        notices.append(f"show: {quoted(', '.join(sorted(missing)))} "
                       f"{'is' if len(missing) == 1 else 'are'} not a control on this page.")
    return notices


def _stored(setting, value):
    return list(value) if setting.kind == "multi" else value  # st.multiselect keeps a list


def limit(page, name, high):
    """Keep a setting whose range depends on another (t <= T) within `high`, before its widget.
    Written back even when it fits: a slider whose range changed is a new widget to the browser,
    which would start it at its minimum unless the value is set for it explicitly."""
    state_key = key(page, row(page, name))
    st.session_state[state_key] = min(st.session_state.get(state_key, 0), high)


def row(page, name):
    """The row of the settings table for `name` on `page` (the seed is every page's)."""
    return SEED if name == "seed" else next(s for s in PAGES[page] if s.name == name)


def shown(page, name, value):
    """A choice as the learner reads it, from the settings table (e.g. "before training")."""
    return row(page, name).show(value)


def widget(page, name, high=None, container=st, **kwargs):
    """The widget for one setting; its value lives in session state under key(page, setting)."""
    setting = row(page, name)
    state_key = key(page, setting)
    visible = presenter.shown()
    if visible is not None and name not in visible:
        return st.session_state[state_key]  # hidden by the presenter link; the value stays
    common = dict(key=state_key, help=setting.help or None, persist_state="session", **kwargs)
    if setting.kind in ("int", "float"):
        cast = int if setting.kind == "int" else float
        top = cast(setting.high if high is None else high)
        if high is not None:
            limit(page, name, top)
        return container.slider(setting.label, cast(setting.low), top, step=cast(setting.step),
                                **common)
    if setting.kind == "choice":
        if len(setting.choices) <= 4:
            return container.radio(setting.label, setting.choices, format_func=setting.show,
                                   horizontal=True, **common)
        return container.selectbox(setting.label, setting.choices, format_func=setting.show,
                                   **common)
    if setting.kind == "multi":
        return tuple(container.multiselect(setting.label, setting.choices, format_func=setting.show,
                                           **common))
    if setting.kind == "bool":
        return container.toggle(setting.label, **common)
    raise ValueError(f"no widget for kind {setting.kind!r}")


def widgets(page, *names):
    """One widget per name, in order; their values."""
    return [widget(page, name) for name in names]


def widget_row(page, *names, spare=0):
    """The widgets side by side in one row, plus `spare` empty columns after them."""
    columns = st.columns(len(names) + spare, gap="medium")
    return [widget(page, name, container=column) for name, column in zip(names, columns)], \
        columns[len(names):]


def numbers_input(page, name, container=st):
    """A text box for a list of numbers. What the learner typed stays in the box even when
    it cannot be used; the view then keeps the last valid list and says why. Numbers out of
    range are clamped, with a notice."""
    setting = row(page, name)
    state_key = key(page, setting)
    text_key = state_key + ".text"
    st.session_state.setdefault(text_key, setting.encode(st.session_state[state_key]))
    text = container.text_input(setting.label, key=text_key, help=setting.help)
    value, notice = setting.parse(text)
    # parse falls back to the default for unusable text; anything else it gives is usable
    # as it stands (valid, or clamped with a notice)
    if notice is None or value != setting.default:
        st.session_state[state_key] = value
        if notice:
            container.warning(notice)
    else:
        container.error(f"{notice.split(';')[0]}. Showing {setting.encode(st.session_state[state_key])} "
                        "until the box holds a valid list.")
    return st.session_state[state_key]


def value(page, name):
    return st.session_state[key(page, row(page, name))]


def values(page):
    return {s.name: st.session_state[key(page, s)] for s in _all_settings(page)}


def publish(page, flags=None):
    """Mirror the page's settings into the URL (defaults left out to keep links short), with
    the link flags it has and `flags` ({name: value}, e.g. the class session this browser is in)."""
    wanted = {}
    for setting in _all_settings(page):
        current = setting.encode(st.session_state[key(page, setting)])
        if current != setting.encode(setting.default):
            wanted[setting.name] = current
    for name in LINK_FLAGS:
        if name in st.query_params:
            wanted[name] = st.query_params[name]
    wanted.update(flags or {})
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[_PUBLISHED] = wanted
    st.session_state[_PUBLISHED_PAGE] = page


def apply(page, raw):
    """on_click that sets these settings of `page` from link-style text {name: value}, as a
    link would (out-of-range values clamped), before the script runs."""
    for name, text in raw.items():
        setting = row(page, name)
        value, _ = setting.parse(text)
        st.session_state[key(page, setting)] = _stored(setting, value)


def take_link(page, query):
    """Every setting of `page` (the seed among them) as a link with `query` ({name: text}) sets
    it (settings.link_values)."""
    values = link_values(page, query)
    for setting in _all_settings(page):
        st.session_state[key(page, setting)] = _stored(setting, values[setting.name])
        st.session_state.pop(key(page, setting) + ".text", None)


def reset_all():
    """on_click of "Reset to defaults": runs before the script, so widgets take the values."""
    for page in PAGES:
        for setting in _all_settings(page):
            st.session_state[key(page, setting)] = _stored(setting, setting.default)
            st.session_state.pop(key(page, setting) + ".text", None)

// Small DOM helpers. `h()` builds elements; strings become text nodes, so
// user text can never turn into markup. There is no innerHTML in this client.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let toastBox = null;

/** A short message at the bottom of the map; errors stay a little longer. */
export function toast(text, kind = 'info') {
  if (!toastBox) toastBox = $('#toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  toastBox.appendChild(el);
  while (toastBox.children.length > 3) toastBox.firstElementChild.remove();
  setTimeout(() => {
    el.classList.add('toast-out');
    setTimeout(() => el.remove(), 300);
  }, kind === 'error' ? 4500 : 2800);
}

let announcer = null;

/** Says something to screen readers (polite); each call is a new line. */
export function announce(text) {
  if (!announcer) announcer = $('#announcer');
  const line = h('p', null, text);
  announcer.appendChild(line);
  while (announcer.children.length > 5) announcer.firstElementChild.remove();
  setTimeout(() => line.remove(), 15000);
}

/** Runs `render` and gives the focus (and caret) back to the element with
 * the same id, so live updates never steal a half-typed field. */
export function keepFocus(render) {
  const active = document.activeElement;
  const id = active?.id;
  const caret = active && typeof active.selectionStart === 'number' ? active.selectionStart : null;
  render();
  if (!id || document.activeElement?.id === id) return;
  const el = document.getElementById(id);
  if (!el) return;
  el.focus({ preventScroll: true });
  if (caret != null) try { el.setSelectionRange(caret, caret); } catch { /* not a text field */ }
}

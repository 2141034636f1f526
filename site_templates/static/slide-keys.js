// Slide pages: the Left and Right arrow keys follow the page's rel="prev" / rel="next" links.
// Ignored while typing in a field or with a modifier held, so browser shortcuts keep working,
// and while the arrows move a caret or selection through the page's text (caret browsing, F7).

// The pager's description says so only where the keys work: with scripting on.
const pager = document.querySelector(".pager");
if (pager) {
  const note = document.createElement("span");
  note.id = "pager-keys";
  note.className = "visually-hidden";
  note.textContent = "The left and right arrow keys also move between slides.";
  pager.append(note);
  pager.setAttribute("aria-describedby", note.id);
}

// a selection that starts in words of the page's main content (the OCR text, the title)
function selectionInText(selection) {
  const node = selection && selection.anchorNode;
  return node instanceof Text && node.data.trim() !== "" && Boolean(node.parentElement.closest("main"));
}

// The keys turn pages of one deck: each replaces the history entry (as reveal.js does), so
// one Back returns to where the reader came from, not through every slide read. The pager's
// links, clicked, still add entries as any link does.
function follow(rel) {
  const link = document.querySelector(`link[rel="${rel}"]`);
  if (link) window.location.replace(link.href);
}

let keysDown = 0; // a later key press takes over from one still being decided

document.addEventListener("keydown", (event) => {
  const press = ++keysDown;
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || target.closest("input, textarea, select"))) return;
  const rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
  if (!rel) return;
  const selection = window.getSelection();
  if (!selectionInText(selection)) { follow(rel); return; }
  // text selected: the arrows are the reader's, not the pager's
  if (selection.type === "Range") return;
  // a caret: caret browsing moves it with this very key (the browser's default action, done
  // before a task queued now runs); a caret a click left in the text stays, and the key is ours
  const before = [selection.focusNode, selection.focusOffset];
  setTimeout(() => {
    const now = window.getSelection();
    if (press === keysDown && now.focusNode === before[0] && now.focusOffset === before[1]) follow(rel);
  });
});

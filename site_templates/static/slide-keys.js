// Slide pages: the Left and Right arrow keys follow the page's rel="prev" / rel="next" links
// (so does a swipe on the slide, and an enlarged slide's original can be shown: at the end).
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

// QA-76: super-resolution can redraw a chart's small figures wrong ("2019" as "2017"). A button
// beside the caption's note shows the slide's original in the enhanced image's place, at the
// same size (the browser's own smooth scaling), and back. Without scripting the caption's
// "Original image" link opens the file.
const originalLink = document.querySelector(".slide-original-link");
const image = document.querySelector(".slide-figure img");
const enhancedNote = document.querySelector(".slide-enhanced");
if (originalLink && image && enhancedNote) {
  const size = `${originalLink.dataset.width} × ${originalLink.dataset.height}`;
  const zoom = image.closest("a");
  const source = image.closest("picture")?.querySelector("source");
  const enhanced = { src: image.src, srcset: image.srcset, sizes: image.sizes, zoom: zoom?.href };
  const button = document.createElement("button");
  button.type = "button";
  button.className = "slide-original-toggle";
  let showingOriginal = false;
  const label = (original) => (original ? "Show enhanced" : `Show original (${size})`);
  const show = (original) => {
    showingOriginal = original;
    button.textContent = label(original);
    // the WebP <source> would win over the <img>'s own attributes: out while the original shows
    if (original) {
      // (the original as the one 1x candidate: Chromium kept the last pick's density for a lone
      // src, its 480 px read as 421)
      source?.remove();
      image.removeAttribute("sizes");
      image.srcset = `${originalLink.href} 1x`;
      image.src = originalLink.href;
    } else {
      if (source) image.before(source);
      image.sizes = enhanced.sizes;
      image.srcset = enhanced.srcset;
      image.src = enhanced.src;
    }
    if (zoom) zoom.href = original ? originalLink.href : enhanced.zoom;
  };
  button.addEventListener("click", () => show(!showingOriginal));
  // the image only on a click: set again at load, the browser may pick (and fetch) it anew
  button.textContent = label(false);
  enhancedNote.append(" ", button);
}

// Touch screens: a horizontal swipe on the slide turns the page as the arrow keys do (left:
// next, right: previous). One finger only, so a pinch-zoom never turns it; a swipe that is
// mostly vertical is the reader scrolling; a zoomed-in page pans instead.
const SWIPE_MIN_PX = 50;
const slideImage = document.querySelector(".slide-image");
if (slideImage) {
  let start = null;
  slideImage.addEventListener("touchstart", (event) => {
    const touch = event.touches[0];
    start = event.touches.length === 1 ? { x: touch.clientX, y: touch.clientY } : null;
  }, { passive: true });
  slideImage.addEventListener("touchmove", (event) => {
    if (event.touches.length > 1) start = null; // a second finger: a pinch
  }, { passive: true });
  slideImage.addEventListener("touchcancel", () => { start = null; }, { passive: true });
  slideImage.addEventListener("touchend", (event) => {
    if (!start || event.touches.length > 0) { start = null; return; }
    const touch = event.changedTouches[0];
    const dx = touch.clientX - start.x, dy = touch.clientY - start.y;
    start = null;
    const zoomed = window.visualViewport && window.visualViewport.scale > 1.01;
    if (zoomed || Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 2 * Math.abs(dy)) return;
    follow(dx < 0 ? "next" : "prev");
  }, { passive: true });
}

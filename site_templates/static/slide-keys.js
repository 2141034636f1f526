// Slide pages: the Left and Right arrow keys follow the page's rel="prev" / rel="next" links.
// Ignored while typing in a field or with a modifier held, so browser shortcuts keep working.
document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || target.closest("input, textarea, select"))) return;
  const rel = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
  const link = rel && document.querySelector(`link[rel="${rel}"]`);
  if (link) window.location.href = link.href;
});

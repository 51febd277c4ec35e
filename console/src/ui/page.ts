// What a page change does for people who cannot see it happen: the tab's title
// names the page, and keyboard and screen reader focus moves to the page's main
// heading (not on the first load, and never away from a field being typed in).
import { useEffect, useRef } from "preact/hooks";

export const product = "Mini Program Platform";

/** pageTitle is the document title for a page heading and its current tab, if any. */
export function pageTitle(heading: string, tab?: string): string {
  const parts = [tab, heading].filter((s): s is string => !!s && s.trim() !== "").map((s) => s.replace(/\s+/g, " ").trim());
  if (parts.length === 2 && parts[0] === parts[1]) parts.shift();
  return [...parts, product].join(" · ");
}

/** watchTitle keeps document.title in step with the page's h1 and current tab while root changes. */
export function watchTitle(root: HTMLElement): () => void {
  const update = () => {
    const h1 = root.querySelector("h1");
    const tab = root.querySelector('.tabs [aria-current="page"]');
    const title = h1 ? pageTitle(h1.textContent ?? "", tab?.getAttribute("data-label") ?? tab?.textContent ?? undefined) : product;
    if (document.title !== title) document.title = title;
  };
  update();
  const o = new MutationObserver(update);
  o.observe(root, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-current"] });
  return () => o.disconnect();
}

const typing = "input, textarea, select, [contenteditable]";

/** useFocusHeading moves focus to the first h1 in the element with id main after each navigation. */
export function useFocusHeading(path: string) {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById("main");
    if (!main) return;
    const focus = () => {
      const h1 = main.querySelector("h1");
      if (!h1) return false;
      const active = document.activeElement;
      if (active && active !== document.body && main.contains(active) && active.matches(typing)) return true;
      h1.setAttribute("tabindex", "-1");
      h1.focus({ preventScroll: true });
      return true;
    };
    if (focus()) return;
    // The heading comes with the page's data: wait for it, a few seconds at most.
    const o = new MutationObserver(() => focus() && o.disconnect());
    o.observe(main, { subtree: true, childList: true });
    const t = setTimeout(() => o.disconnect(), 5000);
    return () => (o.disconnect(), clearTimeout(t));
  }, [path]);
}

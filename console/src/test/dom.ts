// A DOM for component tests (happy-dom), installed on globalThis before Preact
// renders, and a small render helper.
import { Window } from "happy-dom";
import { ComponentChild, render } from "preact";
import { act } from "preact/test-utils";

const window = new Window({ url: "http://console.test/" });
const g = globalThis as Record<string, unknown>;
for (const k of ["window", "document", "navigator", "Node", "Element", "HTMLElement", "HTMLInputElement", "HTMLSelectElement", "HTMLTextAreaElement", "Event", "MouseEvent", "KeyboardEvent", "localStorage", "history", "location", "getComputedStyle", "requestAnimationFrame", "cancelAnimationFrame", "SVGElement"]) {
  if (!(k in g) || k === "navigator" || k === "location") {
    Object.defineProperty(g, k, { value: (window as unknown as Record<string, unknown>)[k], configurable: true, writable: true });
  }
}

export async function mount(ui: ComponentChild): Promise<HTMLElement> {
  const el = document.createElement("div");
  document.body.appendChild(el);
  await act(() => render(ui, el));
  return el;
}

/** settle lets pending promises and Preact's updates run. */
export async function settle(times = 3) {
  for (let i = 0; i < times; i++) await act(() => new Promise((r) => setTimeout(r, 0)));
}

export function byText(root: HTMLElement, selector: string, text: string): HTMLElement {
  const el = Array.from(root.querySelectorAll<HTMLElement>(selector)).find((e) => e.textContent?.includes(text));
  if (!el) throw new Error(`no ${selector} with text ${JSON.stringify(text)} in: ${root.innerHTML}`);
  return el;
}

export async function click(el: HTMLElement) {
  await act(() => {
    el.click();
  });
  await settle();
}

export async function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await act(() => {
    el.value = value;
    el.dispatchEvent(new window.Event("input", { bubbles: true }) as unknown as Event);
  });
}

/** Page helpers: document ready, listeners, UX snippets from the response, links, triggers. */
import type { Properties, TrackAnswer, Trigger } from "./options.js";

export function documentReady(run: () => void): void {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run, { once: true });
  else setTimeout(run, 0);
}

export function addListener(element: EventTarget, event: string, listener: EventListener): () => void {
  element.addEventListener(event, listener);
  return () => element.removeEventListener(event, listener);
}

/** Appends the response's `ux` tags (`{tag, props, content}`) to the body, as Tracardi's tracker does. */
export function injectUx(ux: TrackAnswer["ux"]): void {
  if (!Array.isArray(ux)) return;
  for (const item of ux) {
    const element = document.createElement(item.tag);
    for (const [name, value] of Object.entries(item.props ?? {})) element.setAttribute(name, String(value));
    // A script's text runs when appended; for other tags it is their text.
    if (item.content) element.textContent = item.content;
    document.body.appendChild(element);
  }
}

/**
 * Adds `__tr_pid` and `__tr_src` to links into the listed domains when they are clicked, so the
 * visitor keeps one profile across them (`settings.trackExternalLinks`).
 */
export function tagExternalLinks(domains: string[], profileId: () => string | null, sourceId: string): void {
  document.addEventListener("click", (event) => {
    const link = (event.target as Element | null)?.closest?.("a");
    const profile = profileId();
    if (!link || !profile || !/^https?:/.test(link.href)) return;
    const host = new URL(link.href).hostname;
    if (!domains.some((domain) => host.endsWith(domain))) return;
    const url = new URL(link.href);
    url.searchParams.set("__tr_pid", profile);
    url.searchParams.set("__tr_src", sourceId);
    link.href = url.toString();
  });
}

function selectedText(): string {
  return window.getSelection?.()?.toString() ?? "";
}

/**
 * Binds `auto.triggers`: elements tagged `data-tracardi-tag="<tag>"` send `data.event` when they
 * become visible, when text in them is selected, or on mouse-over with a selection.
 */
export function bindTriggers(
  triggers: Trigger[],
  send: (type: string, properties: Properties) => void,
): void {
  const visible =
    typeof IntersectionObserver === "function"
      ? new IntersectionObserver(
          (entries, observer) => {
            for (const entry of entries) {
              if (!entry.isIntersecting) continue;
              observer.unobserve(entry.target);
              const trigger = (entry.target as HTMLElement & { tracardiTrigger?: Trigger }).tracardiTrigger;
              if (trigger) send(trigger.data.event, trigger.data.properties ?? {});
            }
          },
          { threshold: 0.1 },
        )
      : null;
  for (const trigger of triggers) {
    const elements = document.querySelectorAll<HTMLElement>(
      `[data-tracardi-tag="${CSS.escape(trigger.tag)}"]`,
    );
    for (const element of Array.from(elements)) {
      const onSelection = () => {
        const text = selectedText();
        if (text) send(trigger.data.event, { ...(trigger.data.properties ?? {}), text });
      };
      if (trigger.trigger === "onVisible" && visible) {
        Object.assign(element, { tracardiTrigger: trigger });
        visible.observe(element);
      } else if (trigger.trigger === "onTextSelect") {
        element.addEventListener("mouseup", onSelection);
        element.addEventListener("touchend", onSelection);
      } else if (trigger.trigger === "onMouseOver") {
        element.addEventListener("mouseover", onSelection);
      }
    }
  }
}

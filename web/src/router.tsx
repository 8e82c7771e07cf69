// Three pages need no router library: the path is the state, history moves it.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const MOVED = 'questline:navigate';

function subscribe(notify: () => void): () => void {
  window.addEventListener('popstate', notify);
  window.addEventListener(MOVED, notify);
  return () => {
    window.removeEventListener('popstate', notify);
    window.removeEventListener(MOVED, notify);
  };
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export function navigate(path: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(MOVED));
}

export function Link({ href, onClick, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    // Let the browser handle new tabs and windows (modifier keys, middle click).
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  const current = usePath() === href ? 'page' : undefined;
  return (
    <a href={href} onClick={follow} aria-current={current} {...rest}>
      {children}
    </a>
  );
}

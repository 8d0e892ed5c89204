/** Reads server-sent events from a live server into an array until aborted. */
export interface ReceivedEvent {
  /** The SSE id (the durable event-stream id); undefined when the server sent none. */
  id?: string;
  event: string;
  data: Record<string, unknown>;
  at: number;
}

export function collectEvents(
  url: string,
  into: ReceivedEvent[],
  onEvent?: (e: ReceivedEvent) => void,
  headers: Record<string, string> = {},
): AbortController {
  const ctrl = new AbortController();
  void (async () => {
    try {
      const res = await fetch(url, { signal: ctrl.signal, headers: { accept: 'text/event-stream', ...headers } });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (!ev || !data) continue;
          const id = /^id: (.*)$/m.exec(chunk)?.[1];
          const e = { ...(id ? { id } : {}), event: ev, data: JSON.parse(data) as Record<string, unknown>, at: performance.now() };
          into.push(e);
          onEvent?.(e);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return ctrl;
}

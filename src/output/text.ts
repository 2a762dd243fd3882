// Text from outside (a context name, a process name, an alert message, what
// the user typed) made safe to print on a terminal: control characters are
// shown as escapes, never sent raw, so none can move the cursor, recolour the
// screen or fake a line of output.

// C0 controls, DEL and the C1 controls (U+0080-U+009F: 0x9b alone starts an
// escape sequence on some terminals).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `a\nb\x1b[31m` for "a", newline, "b", ESC "[31m": each control character as a visible escape. */
export function escapeControl(text: string): string {
  return text.replace(CONTROLS, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A message as one readable line, whatever the user typed into it: control
 * characters escaped, and a token too long to read (a pasted blob) shortened
 * in the middle.
 */
export function oneLine(message: string): string {
  return escapeControl(message).replace(/\S{121,}/g, (token) => `${token.slice(0, 60)}…(${token.length} characters)…${token.slice(-20)}`);
}

/**
 * Test inputs read like the file a user types: `«…»` marks the expected range of a diagnostic,
 * `|` (with `cursor`) marks the cursor. The markers are removed before the text is analyzed.
 */
export function marked(input: string): { text: string; spans: { start: number; end: number }[] } {
  const spans: { start: number; end: number }[] = [];
  let text = '';
  let open = -1;
  for (const ch of input) {
    if (ch === '«') open = text.length;
    else if (ch === '»') {
      spans.push({ start: open, end: text.length });
      open = -1;
    } else text += ch;
  }
  return { text, spans };
}

export function cursor(input: string): { text: string; offset: number } {
  const offset = input.indexOf('|');
  if (offset < 0) throw new Error('no | cursor marker in test input');
  return { text: input.slice(0, offset) + input.slice(offset + 1), offset };
}

/** A valid topology with no diagnostics at all; cases mutate it. */
export const BASE = `topology t
vip 198.18.0.100/24 { router-id 51 }
lb lb1 { address 198.18.0.11; role primary }
lb lb2 { address 198.18.0.12; role backup }
upstream web1 { address 198.18.0.21 }
upstream web2 { address 198.18.0.22 }
site s1 { host a.example.com; servers web1 web2 }
`;

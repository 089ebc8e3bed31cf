// Export helpers: CSV with a commented header (config and seed), and file downloads from a Blob.

/** A CSV field: numbers in full precision, text quoted when it needs to be. */
function field(v) {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\n#]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * CSV text: header lines starting with "# " (generator, version, schema, view, seed, link, config as one JSON line),
 * then a column row and the data rows.
 */
export function toCsv(header, { columns, rows }) {
  const lines = [];
  for (const [k, v] of Object.entries(header)) {
    lines.push(`# ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  lines.push(columns.map(field).join(','));
  for (const row of rows) lines.push(row.map(field).join(','));
  return `${lines.join('\n')}\n`;
}

/** Offers a Blob as a file download. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The lines that let a saved image be traced to its settings: generator, version, view, seed and link. */
export function imageCitation(header) {
  const changed = header.controls_changed_since_run ? ` (the controls changed since; current link: ${header.current_link})` : '';
  const note = header.note ? `. Note: ${header.note}` : '';
  return `${header.generator} ${header.version}, view ${header.view}, seed ${header.seed}: ${header.link}${changed}${note}`;
}

/** An SVG document with the citation as its <desc> (the first child of the root element). */
export function svgWithDesc(svg, text) {
  const esc = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const end = svg.indexOf('>', svg.indexOf('<svg'));
  return end < 0 ? svg : `${svg.slice(0, end + 1)}\n<desc>${esc}</desc>${svg.slice(end + 1)}`;
}

let crcTable = null;
/** CRC-32 of PNG chunks (ISO 3309, the PNG specification's section 5.5). */
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n += 1) {
      let c = n;
      for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PNG with tEXt chunks (keyword, Latin-1 text) inserted after its IHDR chunk, e.g. {Software, Source, Comment}.
 * Characters outside Latin-1 are written as "?" (tEXt is Latin-1 by the specification).
 */
export function pngWithText(png, entries) {
  const ihdrEnd = 8 + 8 + 13 + 4; // signature, IHDR length + type, IHDR data, CRC
  const chunks = Object.entries(entries).map(([key, text]) => {
    const body = Uint8Array.from(`tEXt${key}\0${text}`, (ch) => (ch.charCodeAt(0) < 256 ? ch.charCodeAt(0) : 63));
    const out = new Uint8Array(4 + body.length + 4);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length - 4);
    out.set(body, 4);
    view.setUint32(4 + body.length, crc32(body));
    return out;
  });
  const total = png.length + chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  out.set(png.subarray(0, ihdrEnd), 0);
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}

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

// <regimes-playground>: one view of the playground in a blog post, with one script tag.
//
//   <script type="module" src="https://…/www/embed.js"></script>
//   <regimes-playground view="relaxation" preset="optimal-transient" params="d=16&kappa=100" theme="dark">
//   </regimes-playground>
//
// Attributes (all optional): view (a view key), preset (a preset key), params (a query string of parameters, as in
// the playground's links), theme (auto | light | dark: forces the embedded page's theme), height (initial height in
// CSS pixels, before the page reports its own).
//
// The element creates an iframe of the playground's embed page (?embed=<view>). URLs resolve against this module's
// own URL (import.meta.url), so it works from any origin. The iframe's page checks every parameter itself; this
// element only copies attribute text into the iframe's query string (URLSearchParams escapes it) and never writes
// HTML. Messages: the embedded page posts {type: "regimes-playground:height", height}; the element accepts it only
// from its own iframe's window and origin, with a finite height in [MIN_HEIGHT, MAX_HEIGHT]. It sends
// {type: "regimes-playground:theme", theme} when the theme attribute changes (the page accepts it only from its
// parent, from the origin passed as ?origin=).

const PAGE = new URL('../index.html', import.meta.url);
const MIN_HEIGHT = 100;
const MAX_HEIGHT = 20000;
const DEFAULT_HEIGHT = 560;
const THEMES = ['auto', 'light', 'dark'];

class RegimesPlayground extends HTMLElement {
  static get observedAttributes() {
    return ['view', 'preset', 'params', 'theme', 'height'];
  }

  constructor() {
    super();
    this.frame = null;
    this.onMessage = (ev) => {
      if (!this.frame || ev.source !== this.frame.contentWindow || ev.origin !== PAGE.origin) return;
      const m = ev.data;
      if (!m || typeof m !== 'object' || m.type !== 'regimes-playground:height') return;
      const h = m.height;
      if (typeof h !== 'number' || !Number.isFinite(h) || h < MIN_HEIGHT || h > MAX_HEIGHT) return;
      this.frame.style.height = `${Math.ceil(h)}px`;
    };
  }

  connectedCallback() {
    window.addEventListener('message', this.onMessage);
    this.render();
  }

  disconnectedCallback() {
    window.removeEventListener('message', this.onMessage);
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (!this.frame || oldValue === newValue) return;
    if (name === 'theme' && THEMES.includes(newValue)) {
      this.frame.contentWindow?.postMessage({ type: 'regimes-playground:theme', theme: newValue }, PAGE.origin);
      return;
    }
    this.render();
  }

  src() {
    const q = new URLSearchParams(this.getAttribute('params') || '');
    q.delete('embed');
    q.delete('origin');
    q.set('v', q.get('v') || '1');
    q.set('embed', this.getAttribute('view') || 'relaxation');
    const preset = this.getAttribute('preset');
    if (preset) q.set('preset', preset);
    const theme = this.getAttribute('theme');
    if (theme) q.set('theme', theme);
    q.set('origin', window.location.origin);
    const url = new URL(PAGE);
    url.search = q.toString();
    return url.href;
  }

  render() {
    const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = ':host { display: block; } iframe { display: block; width: 100%; border: 0; }';
    const frame = document.createElement('iframe');
    frame.title = `Diffusion regimes playground: ${this.getAttribute('view') || 'relaxation'} view`;
    frame.loading = 'lazy';
    const h = Number(this.getAttribute('height'));
    frame.style.height = `${Number.isFinite(h) && h >= MIN_HEIGHT && h <= MAX_HEIGHT ? h : DEFAULT_HEIGHT}px`;
    frame.src = this.src();
    root.replaceChildren(style, frame);
    this.frame = frame;
  }
}

if (!customElements.get('regimes-playground')) customElements.define('regimes-playground', RegimesPlayground);

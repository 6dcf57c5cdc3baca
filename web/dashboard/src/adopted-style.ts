/**
 * Keeps the CSP at `style-src 'self'` (no nonce, no 'unsafe-inline') while xterm.js and
 * CodeMirror, which write their computed styles (cell sizes, theme, editor rules) into `<style>`
 * elements at run time, still get them.
 *
 * `document.createElement('style')` returns a `<flotilla-style>` element instead: its
 * `textContent` goes into a constructed stylesheet adopted by the document while the element is
 * connected. Constructed stylesheets are CSSOM, which `style-src` does not govern (as is setting
 * `element.style`), so nothing inline is parsed from markup; an injected `<style>` or `style=`
 * attribute in content is still refused. `setAttribute('style', s)` becomes `style.cssText = s`
 * for the same reason (xterm styles some cells that way).
 *
 * Only code running in this page (our bundle: script-src 'self') can reach these paths.
 * Call installAdoptedStyles() once, before the terminal or the editor is created. Idempotent.
 */

class AdoptedStyle extends HTMLElement {
  readonly sheet = new CSSStyleSheet();
  private text = '';

  override get textContent(): string {
    return this.text;
  }

  override set textContent(value: string | null) {
    this.text = value ?? '';
    this.sheet.replaceSync(this.text);
  }

  /** style-mod and xterm append rules as text nodes too: mirror them. */
  override appendChild<T extends Node>(node: T): T {
    this.textContent = this.text + (node.textContent ?? '');
    return node;
  }

  connectedCallback(): void {
    const d = this.ownerDocument;
    if (!d.adoptedStyleSheets.includes(this.sheet)) d.adoptedStyleSheets = [...d.adoptedStyleSheets, this.sheet];
  }

  disconnectedCallback(): void {
    const d = this.ownerDocument;
    d.adoptedStyleSheets = d.adoptedStyleSheets.filter((s) => s !== this.sheet);
  }
}

let installed = false;

export function installAdoptedStyles(): void {
  if (installed) return;
  installed = true;
  customElements.define('flotilla-style', AdoptedStyle);
  const create = Document.prototype.createElement;
  Document.prototype.createElement = function (this: Document, tag: string, options?: ElementCreationOptions) {
    return create.call(this, tag.toLowerCase() === 'style' ? 'flotilla-style' : tag, options);
  } as typeof Document.prototype.createElement;
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
    if (name.toLowerCase() === 'style' && this instanceof HTMLElement) this.style.cssText = value;
    else setAttribute.call(this, name, value);
  };
}

// Accessibility checks run in the page: every visible control has a name, every visible image an alt text,
// visible text meets WCAG AA contrast against its effective background (4.5:1, or 3:1 for large text),
// and nothing overflows the viewport sideways. Evaluated by tests/e2e/test_drawings_browser.py.
(() => {
  const visible = (el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  const name = (el) => (el.getAttribute('aria-label') || (el.labels && el.labels[0] && el.labels[0].textContent)
                        || el.textContent || '').trim();
  const unnamed = [...document.querySelectorAll('button, input, select, textarea, a[href]')]
    .filter((el) => visible(el) && !name(el)).map((el) => el.outerHTML);
  const noAlt = [...document.querySelectorAll('img')].filter((el) => visible(el) && !el.alt).map((el) => el.src);
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                                 if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const style = getComputedStyle(el);
    const a = lum(rgb(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName}#${el.id} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return {unnamed, noAlt, low, overflow: document.documentElement.scrollWidth - window.innerWidth};
})

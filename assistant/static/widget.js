/*! Vetted drug-information assistant: chat widget. Plain JavaScript, no dependencies, no build step; see docs/widget.md.
 * Server and article text is only ever rendered as text, never parsed as HTML; only https: and tel: links are made. */
(() => {
"use strict";
if (window.VettedAssistant && window.VettedAssistant.version) return; // loaded twice: keep the first

const VERSION = "1.1.0";
const MAX_TURNS = 20, MAX_CHARS = 2000, MAX_MESSAGES = 40; // the last two are the server's limits
const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');
// Full screen and modal on phones and short screens (landscape, 400 % zoom): no room for a floating panel.
const FULL = "(max-width:40em),(max-height:32em)";
const REASONS = ["wrong", "not_what_i_asked", "unsupported", "other"];

const STRINGS = {
  en: {
    title: "Medicines information", launcher: "Ask about medicines", subtitle: "Answers only from vetted articles",
    greeting: "Hello. I answer questions about drugs and medicines from vetted articles only, and show the exact source of every sentence. What would you like to know?",
    notice: "General information from vetted sources — not medical advice.",
    input: "Your question", placeholder: "Ask a question…", hint: "Enter to send · Shift+Enter for a new line",
    left: "{n} characters left", full: "Limit: {n} characters; the rest was cut.",
    send: "Send", stop: "Stop", stopLabel: "Stop the answer", close: "Close chat", clear: "New conversation",
    cleared: "Conversation cleared.", undo: "Undo", log: "Conversation", you: "You said:", bot: "Assistant:",
    thinking: "Looking in the vetted articles…", stopped: "Stopped.", incomplete: "Incomplete: the answer was cut off.", sources: "Sources",
    worded: "Worded by a language model from these sources.",
    cite: "Source {n}: {title}", citeShort: "Source {n}", back: "Back to conversation", reviewed: "Reviewed {date}",
    section: "Section: {s}", from: "Original sources", licence: "Licence: {l}", loading: "Loading the source…",
    fail: "The article could not be loaded.", notFound: "This sentence is no longer in the current version of the article.",
    newTab: "(opens in a new tab)",
    refused: "Not something I can help with", emergency: "This may be an emergency", self_harm: "You don't have to face this alone",
    call: "Call {n}", network: "Can't reach the assistant. Check your connection, then try again.",
    rate: "Too many questions in a short time. You can try again in {s} s.", rateNow: "You can try again now.",
    server: "Something went wrong on our side. Please try again.", starting: "The assistant is starting up. Please try again in a few seconds.",
    interrupted: "The answer was interrupted. Please try again.",
    retry: "Try again", suggestions: "Suggested questions",
    up: "Helpful", down: "Not helpful", why: "What was wrong? (optional)", wrong: "Wrong", not_what_i_asked: "Not what I asked",
    unsupported: "Not supported by the source", other: "Other", thanks: "Thanks for your feedback.", fbFail: "Your feedback could not be sent.",
    copy: "Copy", copied: "Copied", copyFail: "Could not copy", unread: "(new answer)",
    privacyNo: "Privacy: your questions are not stored; a record of each answer, without them, is kept {d} days.",
    privacyYes: "Privacy: your questions and the answers are kept {d} days to improve the service.",
  },
  es: {
    title: "Información sobre medicamentos", launcher: "Preguntar sobre medicamentos", subtitle: "Respuestas solo de artículos verificados",
    greeting: "Hola. Respondo preguntas sobre drogas y medicamentos usando solo artículos verificados, y muestro la fuente exacta de cada frase. ¿Qué quiere saber?",
    notice: "Información general de fuentes verificadas — no es consejo médico.",
    input: "Su pregunta", placeholder: "Escriba una pregunta…", hint: "Intro para enviar · Mayús+Intro para una nueva línea",
    left: "Quedan {n} caracteres", full: "Límite: {n} caracteres; el resto se cortó.",
    send: "Enviar", stop: "Detener", stopLabel: "Detener la respuesta", close: "Cerrar el chat", clear: "Nueva conversación",
    cleared: "Conversación borrada.", undo: "Deshacer", log: "Conversación", you: "Usted dijo:", bot: "Asistente:",
    thinking: "Buscando en los artículos verificados…", stopped: "Detenido.", incomplete: "Incompleta: la respuesta se cortó.", sources: "Fuentes",
    worded: "Redactado por un modelo de lenguaje con estas fuentes.",
    cite: "Fuente {n}: {title}", citeShort: "Fuente {n}", back: "Volver a la conversación", reviewed: "Revisado el {date}",
    section: "Sección: {s}", from: "Fuentes originales", licence: "Licencia: {l}", loading: "Cargando la fuente…",
    fail: "No se pudo cargar el artículo.", notFound: "Esta frase ya no está en la versión actual del artículo.",
    newTab: "(se abre en una pestaña nueva)",
    refused: "No puedo ayudar con esto", emergency: "Esto puede ser una emergencia", self_harm: "No tiene que pasar por esto solo",
    call: "Llamar al {n}", network: "No se puede conectar con el asistente. Compruebe su conexión y vuelva a intentarlo.",
    rate: "Demasiadas preguntas en poco tiempo. Podrá volver a intentarlo en {s} s.", rateNow: "Ya puede volver a intentarlo.",
    server: "Algo falló por nuestra parte. Vuelva a intentarlo.", starting: "El asistente se está iniciando. Vuelva a intentarlo en unos segundos.",
    interrupted: "La respuesta se interrumpió. Vuelva a intentarlo.",
    retry: "Reintentar", suggestions: "Preguntas sugeridas",
    up: "Útil", down: "No es útil", why: "¿Qué falló? (opcional)", wrong: "Es incorrecta", not_what_i_asked: "No es lo que pregunté",
    unsupported: "La fuente no lo respalda", other: "Otro motivo", thanks: "Gracias por su opinión.", fbFail: "No se pudo enviar su opinión.",
    copy: "Copiar", copied: "Copiado", copyFail: "No se pudo copiar", unread: "(respuesta nueva)",
    privacyNo: "Privacidad: sus preguntas no se guardan; un registro de cada respuesta, sin ellas, se conserva {d} días.",
    privacyYes: "Privacidad: sus preguntas y las respuestas se conservan {d} días para mejorar el servicio.",
  },
};

// === helpers
const str = (v) => (typeof v === "string" ? v : "");
const int = (v) => (Number.isInteger(v) ? v : -1);
const arr = (v) => (Array.isArray(v) ? v : []);

/** An element from "tag.class"; `attrs` may be its text. Strings become text nodes: nothing parses HTML. */
function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag);
  if (tag === "button") el.type = "button"; // never submit by accident
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(typeof attrs === "string" ? { text: attrs } : attrs || {})) {
    if (v === false || v == null) continue;
    if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c);
  return el;
}

const ICONS = {
  chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
  close: "M6 6l12 12M18 6L6 18", send: "M5 12h13M12 5l7 7-7 7", stop: "M7 7h10v10H7z", new: "M12 5v14M5 12h14",
  info: "M12 22a10 10 0 1 1 0-20 10 10 0 0 1 0 20zM12 11v6M12 7.5v.5", alert: "M12 3l10 18H2zM12 10v5M12 18v.5",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  back: "M19 12H5M11 6l-6 6 6 6", ext: "M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5",
  up: "M7 11v9H4v-9zM7 11l4-8c1.4 0 2.5 1.1 2.3 2.5L13 9h5.5a2 2 0 0 1 2 2.4l-1.4 7A2 2 0 0 1 17.1 20H7", copy: "M9 9h11v11H9zM5 15H4V4h11v1",
};
function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  for (const [k, v] of [["viewBox", "0 0 24 24"], ["aria-hidden", "true"], ["focusable", "false"], ["class", "i"]]) svg.setAttribute(k, v);
  svg.append(document.createElementNS(svg.namespaceURI, "path"));
  svg.firstChild.setAttribute("d", ICONS[name]);
  return svg;
}

function https(url) {
  try {
    const u = new URL(str(url));
    return u.protocol === "https:" ? u : null;
  } catch (_) {
    return null;
  }
}

function readableOn(color) {
  const probe = document.createElement("va-probe"); // a tag no host stylesheet targets
  probe.style.color = color;
  document.documentElement.append(probe);
  const m = getComputedStyle(probe).color.match(/[\d.]+/g) || [0, 0, 0];
  probe.remove();
  const L = [0.2126, 0.7152, 0.0722].reduce((sum, w, i) => sum + w * ((m[i] / 255) ** 2.2), 0); // ≈ WCAG luminance
  return 1.05 / (L + 0.05) >= (L + 0.05) / 0.05 ? "#fff" : "#111";
}

// === Markdown emphasis (quotes come from Markdown articles)
const EMPHASIS = /\*\*(?=[^\s*])([^]*?[^\s*])\*\*|(?<!\w)__(?=\S)([^]*?\S)__(?!\w)|(?<![\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g;
/** Per UTF-16 unit: 0 plain, 1 strong, 2 em, -1 a marker to drop (stray "**" too). */
function emphasis(text) {
  const s = new Int8Array(text.length);
  for (const m of text.matchAll(EMPHASIS)) {
    const k = m[3] == null ? 2 : 1, a = m.index, b = a + m[0].length;
    s.fill(3 - k, a + k, b - k).fill(-1, a, a + k).fill(-1, b - k, b);
  }
  for (const m of text.matchAll(/\*\*/g)) s.fill(-1, m.index, m.index + 2);
  return s;
}
/** `text` as nodes: <strong>/<em>, [ms, me) in a <mark>, each run through `piece`. */
function rich(text, piece = (x) => [x], ms = -1, me = -1) {
  const s = emphasis(text), out = [];
  let mark = null;
  for (let i = 0, j; i < text.length; i = j) {
    const inMark = i >= ms && i < me;
    for (j = i + 1; j < text.length && s[j] === s[i] && (j >= ms && j < me) === inMark;) j++;
    if (s[i] < 0) continue;
    const nodes = s[i] ? [h(s[i] === 1 ? "strong" : "em", {}, piece(text.slice(i, j)))] : piece(text.slice(i, j));
    if (!inMark) out.push(...nodes);
    else (mark || (mark = out[out.push(h("mark")) - 1])).append(...nodes);
  }
  return out;
}
const plain = (text, s = emphasis(text)) =>
  text.split("").filter((_, i) => s[i] >= 0).join("").replace(/\s*\[\d{1,3}\]/g, "").replace(/[ \t]+/g, " ").trim();

// === styles, in the shadow root; written in px, built in rem, so they follow the reader's font size
const STYLE = `
:host{all:initial!important}
*{box-sizing:border-box}
[hidden]{display:none!important}
.w{--b:1px solid var(--bd);--acc:#0f766e;--acc-t:#fff;--bg:#fff;--sf:#f3f5f7;--tx:#1a1f25;--mu:#56606b;--bd:#d9dee4;--lk:#0b57c2;--fc:#1a56db;
--al-bg:#fdeeee;--al-bd:#c62828;--al-tx:#8a1c1c;--call:#b3261e;--rf-bg:#fff6e5;--rf-bd:#b45309;--rf-tx:#7c3a06;--mk:#fde68a;--mk-t:#1a1f25;
--sh:0 12px 40px rgba(16,24,40,.18),0 2px 6px rgba(16,24,40,.08);
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--tx);text-align:start}
@media (prefers-color-scheme:dark){.w{--bg:#16191d;--sf:#22262c;--tx:#e9ecef;--mu:#a7b0ba;--bd:#39414a;--lk:#8ab4f8;--fc:#93c5fd;
--al-bg:#3b1616;--al-bd:#f87171;--al-tx:#fecaca;--call:#c62828;--rf-bg:#332510;--rf-bd:#f59e0b;--rf-tx:#fcd9a0;--mk:#854d0e;--mk-t:#fff;
--sh:0 12px 40px rgba(0,0,0,.55)}}
.sr{position:absolute!important;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.i{width:20px;height:20px;flex:none;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
button,textarea{font:inherit;color:inherit}
button{cursor:pointer;border:0;background:none;margin:0;padding:0}
:focus-visible{outline:3px solid var(--fc);outline-offset:2px}
p{margin:0}
a{color:var(--lk);text-underline-offset:2px}
.ln{position:fixed;bottom:20px;right:20px;z-index:2147483000;gap:10px;min-height:52px;padding:0 22px 0 18px;
border-radius:26px;font-weight:600;box-shadow:var(--sh)}
.bg{position:absolute;top:-6px;right:-4px;min-width:24px;padding:0 6px;border-radius:12px;border:2px solid #fff;
background:var(--call);color:#fff;font:700 13px/20px system-ui;text-align:center}
.pn{position:fixed;bottom:86px;right:20px;z-index:2147483001;width:min(410px,calc(100vw - 32px));height:min(680px,calc(100vh - 110px));
display:flex;flex-direction:column;background:var(--bg);border:var(--b);border-radius:16px;box-shadow:var(--sh);overflow:hidden;animation:in .18s ease-out}
.left .ln,.left .pn{right:auto;left:20px}
@keyframes in{from{opacity:0;transform:translateY(10px)}}
.ln,.hd,.ch,.st,.ac{display:flex;align-items:center}
.hd{gap:8px;padding:12px 10px 12px 16px;border-bottom:var(--b)}
.logo{width:36px;height:36px;border-radius:10px}
.ttl{flex:1;min-width:0}
h2{margin:0;font-size:16px;line-height:1.3;font-weight:650}
h2:focus,h3:focus{outline:none}
.sub,.pv{font-size:12.5px;color:var(--mu)}
.pv{margin-top:8px}
.logo,.ib,.sd{display:grid;place-items:center}
.ib{width:40px;height:40px;border-radius:10px;color:var(--mu)}
.ib:hover:not(:disabled),.vb button:hover,.tb:hover{background:var(--sf);color:var(--tx)}
.ib:disabled{opacity:.45;cursor:default}
.ln,.logo,.u,.btn,.sd,.ac [aria-pressed=true]{background:var(--acc);color:var(--acc-t)}
.nt{display:flex;gap:8px;padding:8px 16px;font-size:12.5px;line-height:1.45;color:var(--mu);background:var(--sf);border-bottom:var(--b)}
.nt .i{width:16px;height:16px;margin-top:1px}
.bd{position:relative;flex:1;min-height:0;display:flex}
.log{position:relative;flex:1;overflow-y:auto;overscroll-behavior:contain;padding:16px;display:flex;flex-direction:column;gap:14px}
.log:focus-visible,.vs:focus-visible{outline-offset:-3px}
.m{max-width:92%;overflow-wrap:anywhere}
.u{align-self:flex-end;padding:9px 14px;border-radius:16px 16px 4px 16px;white-space:pre-wrap}
.b{align-self:flex-start;background:var(--sf);padding:11px 14px;border-radius:16px 16px 16px 4px}
.ci{display:inline-grid;place-items:center;min-width:24px;height:22px;margin:0 1px;padding:0 6px;vertical-align:1px;border-radius:11px;font-size:12px;
font-weight:650;line-height:1;background:var(--bg);color:var(--lk);border:var(--b)}
.ci:hover,.sg button:hover,.ch2:hover{border-color:var(--lk)}
.src{margin-top:10px;padding-top:9px;border-top:var(--b);font-size:13.5px}
ul{margin:4px 0 0;padding:0;list-style:none;display:grid;gap:4px}
.src .ci{margin:0 2px 0 0}
.stt{font-weight:550}
.sh,.kk{margin:12px 0 2px;font-size:12px;font-weight:650;color:var(--mu);text-transform:uppercase;letter-spacing:.04em}
.src>.sh:first-child,.kk{margin-top:0}
a .i{width:13px;height:13px;vertical-align:-1px;margin-left:3px}
.host,.host a,.meta,.lic,.warn,.note,.fm{font-size:13px;color:var(--mu)}
.note{display:block;margin-top:6px;font-style:italic}
.ac{flex-wrap:wrap;gap:4px;margin-top:8px}
.tb,.call,.vb button{display:inline-flex;align-items:center}
.tb{gap:6px;min-height:36px;min-width:36px;padding:0 8px;border-radius:8px;color:var(--mu);font-size:13px}
.tb .i{width:18px;height:18px}
.down .i{transform:scale(-1)}
.fm{margin-left:4px}
.rs{flex-basis:100%;display:flex;flex-wrap:wrap;gap:6px;margin-top:4px}
.rs p{flex-basis:100%;font-size:13px;font-weight:600}
.ch2{min-height:32px;padding:2px 12px;border:var(--b);border-radius:16px;background:var(--bg);font-size:13px}
.ch2[aria-pressed=true]{border-color:var(--acc)}
.card{align-self:stretch;border:1px solid;border-left-width:5px;border-radius:12px;padding:12px 14px}
.m.card{max-width:100%}
.ch{gap:8px;margin-bottom:6px;font-weight:700}
.rf{background:var(--rf-bg);border-color:var(--rf-bd)}
.rf .ch{color:var(--rf-tx)}
.al{background:var(--al-bg);border-color:var(--al-bd)}
.al .ch{color:var(--al-tx);font-size:16.5px}
.calls{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.call{gap:8px;min-height:44px;padding:0 18px;border-radius:22px;background:var(--call);color:#fff;font-weight:700;font-size:16px;text-decoration:none}
.call .i{width:18px;height:18px;margin:0}
.dots::after{content:"• • •";color:var(--mu);animation:bl 1.2s infinite}
@keyframes bl{50%{opacity:.3}}
.sg{display:flex;flex-wrap:wrap;gap:8px;margin:0}
.sg button{min-height:36px;padding:6px 12px;border:var(--b);border-radius:18px;background:var(--bg);font-size:14px;text-align:start}
.er{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin:0 12px 8px;padding:10px 12px;border:var(--b);border-radius:12px;background:var(--sf);font-size:14px}
.er p{flex:1 1 200px}
.btn{min-height:36px;padding:0 14px;border-radius:18px;font-weight:600;font-size:14px}
.btn:disabled,.sd:disabled{opacity:.55;cursor:default}
form{display:flex;align-items:flex-end;gap:8px;padding:10px 12px 4px;border-top:var(--b)}
textarea{flex:1;min-width:0;resize:none;max-height:150px;margin:0;padding:10px 12px;border:var(--b);border-radius:12px;background:var(--bg);font-size:16px;line-height:1.4}
textarea::placeholder{color:var(--mu);opacity:1}
textarea:focus-visible{outline:2px solid var(--fc);outline-offset:0;border-color:var(--fc)}
.sd{width:44px;height:44px;border-radius:12px}
.st{gap:6px;height:44px;padding:0 14px;border-radius:12px;border:var(--b);font-weight:600}
.st .i{width:16px;height:16px;fill:currentColor}
.ft{padding:2px 14px 9px;font-size:12px;color:var(--mu)}
.vw{position:absolute;inset:0;display:flex;flex-direction:column;background:var(--bg);z-index:2}
.vb{padding:8px 10px;border-bottom:var(--b)}
.vb button{gap:6px;min-height:40px;padding:0 10px;border-radius:10px;font-weight:600}
.vs{position:relative;flex:1;overflow-y:auto;padding:16px 18px 20px;overscroll-behavior:contain}
h3{margin:0 0 4px;font-size:17px;line-height:1.35}
.meta{margin-bottom:12px}
blockquote{margin:0 0 12px;padding:12px 14px;border-left:4px solid var(--bd);background:var(--sf);border-radius:0 10px 10px 0;white-space:pre-wrap;line-height:1.6}
mark{background:var(--mk);color:var(--mk-t);border-radius:3px;padding:1px 2px;-webkit-box-decoration-break:clone}
.vs ul{margin-bottom:12px;font-size:14px}
@media ${FULL}{
.pn{top:var(--vvt,0px);left:0!important;right:0;bottom:auto;width:100%;height:100vh;height:var(--vvh,100dvh);border:0;border-radius:0;animation:none}
.open .ln,.ft{display:none}
.ln{bottom:16px;right:16px}
.m{max-width:96%}
}
@media (max-height:512px){
.logo,.sub{display:none}
.hd{padding:2px 6px 2px 12px}
.nt{padding:4px 12px}
.log{padding:8px 12px;gap:8px}
form{padding:6px 8px}
textarea{padding:7px 10px}
.sd,.st{height:40px}.sd{width:40px}
}
@media (prefers-reduced-motion:reduce){*{animation:none!important}}
@media (forced-colors:active){.ln,.sd,.btn,.call,.u,.ci,.bg{border:1px solid CanvasText}}
`;

// === configuration
const OPTIONS = ["api", "title", "greeting", "position", "accent", "locale", "open", "persistence", "suggestions", "launcherLabel"];
const fromScript = (el) => Object.fromEntries(OPTIONS.filter((k) => el && el.dataset[k] !== undefined).map((k) => [k, el.dataset[k]]));

function resolve(o) {
  let api = str(o.api).trim();
  if (!api) api = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
  const lang = str(o.locale) || document.documentElement.lang || navigator.language || "en";
  const base = lang.toLowerCase().split(/[-_]/)[0];
  const locale = STRINGS[base] ? base : "en";
  let suggestions = typeof o.suggestions === "string" ? o.suggestions.split("|") : arr(o.suggestions);
  suggestions = suggestions.map((s) => str(s).trim()).filter(Boolean).slice(0, 4);
  return {
    api: api.replace(/\/+$/, ""), locale, suggestions, lang: STRINGS[base] ? lang.replace(/_/g, "-") : "en",
    open: [true, "", "true", "1"].includes(o.open),
    persistence: ["local", "session", "none"].includes(o.persistence) ? o.persistence : "session",
    title: str(o.title) || STRINGS[locale].title, greeting: str(o.greeting) || STRINGS[locale].greeting,
    launcherLabel: str(o.launcherLabel) || STRINGS[locale].launcher,
    position: o.position === "left" ? "left" : "right", accent: str(o.accent),
  };
}

/** The fields the widget uses, type-checked: server and stored data alike. */
const cleanCitations = (list) => arr(list).filter((c) => c && typeof c === "object").slice(0, 30).map((c) => ({
  n: int(c.n), article_id: str(c.article_id), title: str(c.title), url: str(c.url), quote: str(c.quote), start: int(c.start), end: int(c.end),
}));
const cleanGuardrail = (g) => (g && typeof g === "object" ? { category: str(g.category), language: str(g.language), contacts: arr(g.contacts).map(str) } : null);
const cleanId = (id) => (/^[\w-]{1,64}$/.test(str(id)) ? id : "");
const cleanTurn = ({ q, a }) => ({
  q: str(q), a: { id: cleanId(a.id), status: str(a.status), text: str(a.text), citations: cleanCitations(a.citations), guardrail: cleanGuardrail(a.guardrail),
    worded: a.worded === true, vote: ["up", "down"].includes(a.vote) ? a.vote : "", why: REASONS.includes(a.why) ? a.why : null },
});

// === storage
function makeStore(kind, key) {
  let backing = null;
  try {
    backing = { local: window.localStorage, session: window.sessionStorage }[kind] || null;
    if (backing) backing.getItem(key);
  } catch (_) {
    backing = null; // storage blocked (private mode, sandboxed frame): keep nothing
  }
  const safe = (fn, fallback) => { try { return fn(); } catch (_) { return fallback; } };
  return {
    load: () => safe(() => {
      const data = backing && JSON.parse(backing.getItem(key) || "null");
      return data && data.v === 1 ? arr(data.turns).filter((t) => t && t.a && typeof t.a === "object").slice(-MAX_TURNS).map(cleanTurn) : [];
    }, []),
    save: (turns) => backing && safe(() => backing.setItem(key, JSON.stringify({ v: 1, turns })), 0),
    clear: () => backing && safe(() => backing.removeItem(key), 0),
  };
}

// === server-sent events
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const blocks = (buf += value).split(/\r?\n\r?\n/);
      buf = blocks.pop();
      for (const block of blocks) {
        const event = (/^event: ?(.*?)\r?$/m.exec(block) || [0, "message"])[1];
        let data;
        try { data = JSON.parse((block.match(/^data: ?.*$/gm) || []).map((l) => l.replace(/^data: ?/, "")).join("\n")); } catch (_) { continue; }
        yield { event, data: data && typeof data === "object" ? data : {} };
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** An error the widget explains: network, rate (wait in s), starting, server, interrupted. */
const failure = (kind, wait = 30) => Object.assign(new Error(kind), { kind, wait });
const failureFrom = (res) => {
  const wait = parseInt(res.headers.get("Retry-After"), 10);
  return res.status === 429 ? failure("rate", wait > 0 ? Math.min(wait, 3600) : 30) : failure(res.status === 503 ? "starting" : "server");
};

// === the widget
class Widget {
  constructor(options) {
    const o = (this.o = resolve(options));
    const strings = Object.assign({}, STRINGS.en, STRINGS[o.locale]);
    this.t = (k, vars) => str(strings[k]).replace(/\{(\w+)\}/g, (_, v) => String(vars && vars[v] != null ? vars[v] : ""));
    let host = "default";
    try { host = new URL(o.api).host; } catch (_) { /* default */ }
    this.store = makeStore(o.persistence, "vetted-assistant:v1:" + host + ":conversation");
    this.turns = this.store.load();
    this.articles = new Map();
    this.unread = 0;
    this.build();
    for (const turn of this.turns) this.renderTurn(turn);
    this.updateClear();
    if (o.open) this.open(false); // no focus move on page load
  }

  build() {
    const t = this.t, o = this.o;
    this.host = document.createElement("vetted-assistant");
    const root = (this.root = this.host.attachShadow({ mode: "open" }));
    const sheet = new CSSStyleSheet(); // a constructed sheet works under a strict style-src CSP
    sheet.replaceSync(STYLE.replace(/(\d*\.?\d+)px/g, (_, n) => n / 16 + "rem"));
    root.adoptedStyleSheets = [sheet];
    const button = (cls, label, fn, ...kids) => h("button." + cls, { "aria-label": label, title: label, onclick: fn }, ...kids);
    this.badge = h("span.bg", { hidden: true, "aria-hidden": "true" });
    this.launcher = h("button.ln", { "aria-expanded": "false", "aria-controls": "va-panel", onclick: () => (this.isOpen ? this.close() : this.open()) },
      icon("chat"), h("span", o.launcherLabel), h("span.sr"), this.badge);
    this.title = h("h2", { id: "va-title", tabindex: "-1", text: o.title });
    this.clearBtn = button("ib", t("clear"), () => this.clear(true), icon("new"));
    this.log = h("div.log", { role: "log", "aria-live": "polite", "aria-label": t("log"), tabindex: "0" });
    this.privacy = h("p.pv", { hidden: true });
    this.greeting = h("div.m.b", {}, h("p", o.greeting), this.privacy);
    this.log.append(this.greeting);
    this.stick = true;
    this.log.addEventListener("scroll", () => { const l = this.log; this.stick = l.scrollHeight - l.scrollTop - l.clientHeight < 80; }, { passive: true });
    if (o.suggestions.length) {
      this.sugg = h("ul.sg", { "aria-label": t("suggestions") },
        o.suggestions.map((q) => h("li", {}, h("button", { onclick: () => this.ask(q) }, q))));
      this.log.append(this.sugg);
    }
    this.viewer = h("section.vw", { hidden: true, "aria-labelledby": "va-vtitle" });
    this.status = h("p.sr", { role: "status" });
    this.err = h("div.er", { role: "alert", hidden: true });
    this.undoBar = h("div.er", { hidden: true });
    this.input = h("textarea", { "aria-label": t("input"), rows: "1", maxlength: MAX_CHARS, placeholder: t("placeholder"),
      "aria-describedby": "va-hint", autocomplete: "off", enterkeyhint: "send", oninput: () => this.changed() });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { // 229: IME composing
        e.preventDefault();
        this.submit();
      }
    });
    this.sendBtn = h("button.sd", { type: "submit", "aria-label": t("send"), title: t("send") }, icon("send"));
    this.stopBtn = h("button.st", { hidden: true, "aria-label": t("stopLabel"), onclick: () => this.stop() }, icon("stop"), t("stop"));
    this.panel = h("div.pn", { id: "va-panel", role: "dialog", "aria-labelledby": "va-title", hidden: true },
      h("div.hd", {}, h("div.logo", {}, icon("chat")), h("div.ttl", {}, this.title, h("p.sub", t("subtitle"))),
        this.clearBtn, button("ib", t("close"), () => this.close(), icon("close"))),
      h("p.nt", {}, icon("info"), h("span", t("notice"))),
      h("div.bd", {}, this.log, this.viewer),
      this.undoBar, this.err,
      h("form", { onsubmit: (e) => { e.preventDefault(); this.submit(); } }, this.input, this.sendBtn, this.stopBtn),
      (this.hint = h("p.ft", { id: "va-hint", text: t("hint") })), this.status);
    const wrap = (this.wrap = h("div.w." + o.position, { lang: o.lang, dir: "ltr" }, this.panel, this.launcher));
    if (o.accent && window.CSS && CSS.supports("color", o.accent)) {
      wrap.style.setProperty("--acc", o.accent);
      wrap.style.setProperty("--acc-t", readableOn(o.accent));
    }
    root.append(wrap); // dir: its languages' direction (all left to right), not the page's
    // Full screen, the panel is modal: Tab cycles in it, focus that leaves comes back.
    this.full = matchMedia(FULL);
    this.onFocusIn = (e) => { if (this.modal() && e.target !== this.host) (this.tabbable()[0] || this.title).focus(); };
    document.addEventListener("focusin", this.onFocusIn);
    wrap.addEventListener("keydown", (e) => {
      if (e.key === "Tab" && this.modal()) {
        const list = this.tabbable(), n = list.length, i = list.indexOf(root.activeElement), back = e.shiftKey;
        e.preventDefault();
        if (n) list[i < 0 ? (back ? n - 1 : 0) : (i + (back ? n - 1 : 1)) % n].focus();
      }
      if (e.key !== "Escape" || e.isComposing || !this.isOpen) return;
      e.preventDefault();
      if (this.viewer.hidden) this.close();
      else this.closeViewer();
    });
    // The page's keyboard shortcuts must not see keys typed in the widget.
    for (const type of ["keydown", "keyup", "keypress"]) wrap.addEventListener(type, (e) => e.stopPropagation());
    // With an on-screen keyboard up, fit the panel to the visible area: the input stays in view.
    const vv = window.visualViewport;
    this.onViewport = () => {
      const up = vv && vv.height < window.innerHeight - 1;
      for (const [k, v] of [["--vvh", vv && vv.height], ["--vvt", vv && vv.offsetTop]]) {
        if (up) wrap.style.setProperty(k, Math.round(v) + "px");
        else wrap.style.removeProperty(k);
      }
    };
    if (vv) for (const type of ["resize", "scroll"]) vv.addEventListener(type, this.onViewport);
    // On <html>: a transform on <body> would make it the fixed elements' containing block.
    document.documentElement.append(this.host);
  }

  // --- open / close
  get isOpen() { return !this.panel.hidden; }
  modal() { return this.isOpen && this.full.matches; }
  tabbable() {
    return [...this.panel.querySelectorAll("button,textarea,a[href],[tabindex='0']")]
      .filter((el) => !el.disabled && !el.closest("[inert]") && el.getClientRects().length);
  }
  open(focus = true) {
    this.panel.hidden = false;
    this.wrap.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.panel.setAttribute("aria-modal", this.full.matches);
    this.badgeFor(0);
    const last = this.turns[this.turns.length - 1];
    this.stick = true;
    if (last) this.follow(last.els[0]);
    this.loadPolicy();
    // Full screen (phones), focus the title: no keyboard popping up unasked.
    if (focus) (this.full.matches ? this.title : this.input).focus();
  }
  close() {
    this.closeViewer(false);
    this.panel.hidden = true;
    this.wrap.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  }
  badgeFor(n) {
    this.unread = n;
    this.badge.hidden = !n;
    this.badge.textContent = n;
    this.badge.previousSibling.textContent = n ? " " + this.t("unread") : "";
  }

  /** The privacy line, from the server's policy (none if it states none). */
  loadPolicy() {
    this.policy = this.policy || this.fetch("/v1/feedback/policy").then((p) => {
      const d = int(p.retention_days);
      if (typeof p.stores_question_text !== "boolean" || d < 1) return;
      this.privacy.textContent = this.t(p.stores_question_text ? "privacyYes" : "privacyNo", { d });
      this.privacy.hidden = false;
    }, () => {});
  }

  /** Fits the input to its text; over the last 200 characters the hint counts down. */
  changed() {
    const el = this.input, left = MAX_CHARS - el.value.length;
    el.style.height = "auto";
    el.style.height = el.scrollHeight + 2 + "px";
    this.hint.textContent = this.t(left > 200 ? "hint" : left ? "left" : "full", { n: left || MAX_CHARS });
  }
  /** Follows a reply down, never past its question: that and the answer's start stay in view. */
  follow(userEl) {
    if (this.stick && userEl.isConnected) this.log.scrollTop = Math.min(this.log.scrollHeight, userEl.offsetTop - 12);
  }
  updateClear() { this.clearBtn.disabled = !this.turns.length && !this.run; }
  save() { this.store.save(this.turns.map(({ q, a }) => ({ q, a }))); }
  say(text) {
    this.status.textContent = text;
    clearTimeout(this.sayTimer);
    this.sayTimer = setTimeout(() => { this.status.textContent = ""; }, 3000);
  }

  // --- rendering
  renderUser(q) { return h("div.m.u", {}, h("span.sr", this.t("you") + " "), h("p", q)); }

  /** Answer text as nodes, [n] as citation buttons (once `done`, plain if there is no such citation). */
  richAnswer(text, turn, done) {
    return rich(text, (run) => run.split(/(\[\d{1,3}\])/).filter(Boolean).map((part) => {
      const m = /^\[(\d+)\]$/.exec(part), n = m && +m[1], find = () => turn.a.citations.find((x) => x.n === n), c = m && find();
      if (!m || (done && !c)) return part;
      const b = h("button.ci", { "aria-label": this.t(c ? "cite" : "citeShort", { n, title: c && c.title }), onclick: () => find() && this.showSource(find(), b) }, n);
      return b;
    }));
  }
  /** The citations the text uses (a stopped answer has only some). */
  cited(a) { return a.citations.filter((c) => a.text.includes("[" + c.n + "]")); }

  sourcesList(turn) {
    const byArticle = new Map(); // a line per article, a button per passage
    for (const c of this.cited(turn.a)) byArticle.set(c.article_id, (byArticle.get(c.article_id) || []).concat(c));
    return byArticle.size ? h("div.src", {}, h("p.sh", this.t("sources")), h("ul", {}, [...byArticle.values()].map((group) => {
      const u = https(group[0].url);
      return h("li", {}, group.flatMap((c) => this.richAnswer(`[${c.n}]`, turn, true)), " ", h("span.stt", group[0].title), " ",
        u && h("span.host", {}, this.link(u.href, u.hostname.replace(/^www\./, ""))));
    }))) : "";
  }

  link(url, text) {
    const u = https(url);
    if (!u) return h("span", { text });
    return h("a", { href: u.href, target: "_blank", rel: "noopener noreferrer nofollow" }, text, icon("ext"), h("span.sr", " " + this.t("newTab")));
  }

  /** Copy on answers; votes (with a reason) on answers, refusals and abstentions. */
  actions(turn) {
    const a = turn.a, t = this.t, msg = h("span.fm"), said = h("span", t("copy"));
    const copy = /^(refused|abstained)$/.test(a.status) ? "" : h("button.tb", { onclick: () => this.copy(turn).then((k) => {
      said.textContent = t(k);
      setTimeout(() => { said.textContent = t("copy"); }, 2500);
    }) }, icon("copy"), said);
    if (!["answered", "refused", "abstained"].includes(a.status) || !a.id) return h("div.ac", {}, copy);
    const thumb = (r) => h("button.tb." + r, { "aria-label": t(r), title: t(r), onclick: () => this.vote(turn, r, null, paint) }, icon("up"));
    const up = thumb("up"), down = thumb("down");
    const why = h("p", { id: "va-why-" + a.id, text: t("why") });
    const chips = REASONS.map((r) => h("button.ch2", { onclick: () => this.vote(turn, "down", r, paint) }, t(r)));
    const reasons = h("div.rs", { role: "group", "aria-labelledby": why.id }, why, chips);
    const paint = (text) => {
      up.setAttribute("aria-pressed", a.vote === "up");
      down.setAttribute("aria-pressed", a.vote === "down");
      chips.forEach((c, i) => c.setAttribute("aria-pressed", a.why === REASONS[i]));
      reasons.hidden = a.vote !== "down";
      if (text != null) msg.textContent = text;
    };
    paint();
    return h("div.ac", {}, up, down, copy, msg, reasons);
  }

  /** Votes (the server keeps the latest); shown at once, undone if it fails. */
  vote(turn, rating, reason, paint) {
    const a = turn.a, before = [a.vote, a.why];
    [a.vote, a.why] = [rating, reason];
    paint("");
    this.fetch("/v1/feedback", { method: "POST", body: JSON.stringify({ answer_id: a.id, rating, reason }) })
      .then(() => { paint(this.t("thanks")); this.save(); }, () => { [a.vote, a.why] = before; paint(this.t("fbFail")); });
  }

  /** Copies the answer without [n], then its sources; "copied" or "copyFail". */
  copy(turn) {
    const lines = new Set(this.cited(turn.a).map((c) => "- " + c.title + (https(c.url) ? " — " + https(c.url).href : "")));
    const text = plain(turn.a.text) + (lines.size ? `\n\n${this.t("sources")}:\n` + [...lines].join("\n") : "");
    return Promise.resolve().then(() => navigator.clipboard.writeText(text)).then(() => "copied", () => "copyFail");
  }

  /** A finished or restored reply; each status looks different. */
  renderReply(turn, el = h("div")) {
    const a = turn.a, t = this.t, g = a.guardrail || {};
    el.textContent = "";
    el.append(h("span.sr", t("bot") + " "));
    el.dataset.status = a.status;
    const text = h("p", { lang: g.language || null, text: a.text });
    el.className = { escalated: "m card al", refused: "m card rf" }[a.status] || "m b";
    if (a.status === "escalated") {
      const numbers = arr(g.contacts).map(str).filter((n) => /^\+?[\d ()-]{2,20}$/.test(n));
      el.append(h("p.ch", {}, icon("alert"), t(g.category === "self_harm" ? "self_harm" : "emergency")), text,
        numbers.length ? h("div.calls", {}, numbers.map((n) =>
          h("a.call", { href: "tel:" + n.replace(/[^\d+]/g, "") }, icon("phone"), t("call", { n })))) : "");
    } else if (a.status === "refused") {
      el.append(h("p.ch", {}, icon("info"), t("refused")), text, this.actions(turn));
    } else if (a.status === "abstained") {
      el.append(h("p", {}, rich(a.text)), this.actions(turn));
    } else {
      const note = { stopped: "stopped", incomplete: "incomplete" }[a.status] || (a.worded && "worded");
      el.append(h("p.tx", {}, this.richAnswer(a.text, turn, true)), this.sourcesList(turn), note ? h("span.note", t(note)) : "", this.actions(turn));
    }
    return el;
  }

  renderTurn(turn) {
    turn.els = [this.renderUser(turn.q), this.renderReply(turn)];
    this.log.append(...turn.els);
    if (this.sugg) this.sugg.hidden = true;
  }

  // --- asking
  submit() {
    const q = this.input.value.trim();
    if (this.run) return;
    if (q) this.ask(q);
    else this.input.focus();
  }

  /** The conversation, for follow-ups, in the server's limits; cut-off turns are left out. */
  history() {
    const out = [];
    for (const { q, a } of this.turns) {
      if (a.status === "incomplete") continue;
      out.push({ role: "user", content: q.slice(0, MAX_CHARS) });
      if (a.text) out.push({ role: "assistant", content: a.text.slice(0, MAX_CHARS) });
    }
    return out.slice(-(MAX_MESSAGES - 1));
  }

  setBusy(on) {
    if (this.root.activeElement === (on ? this.sendBtn : this.stopBtn)) this.input.focus(); // it is about to hide
    this.sendBtn.hidden = on;
    this.stopBtn.hidden = !on;
    this.log.setAttribute("aria-busy", on); // announced once, when complete
    this.updateClear();
  }

  async ask(question) {
    const q = str(question).trim().slice(0, MAX_CHARS);
    if (!q || this.run) return;
    this.hideBars();
    if (this.input.value.trim() === q) { this.input.value = ""; this.changed(); }
    if (this.sugg) {
      if (this.sugg.contains(this.root.activeElement)) this.input.focus(); // it is about to hide
      this.sugg.hidden = true;
    }
    const turn = { q, a: { id: "", status: "pending", text: "", citations: [] } }, a = turn.a;
    const userEl = this.renderUser(q);
    const botEl = h("div.m.b", {}, h("span.dots", { role: "img", "aria-label": this.t("thinking") }));
    this.log.append(userEl, botEl);
    this.stick = true;
    this.follow(userEl);
    const run = (this.run = { turn, userEl, botEl, ctrl: new AbortController(), shown: "" });
    const messages = this.history().concat({ role: "user", content: q });
    this.setBusy(true);
    let p = null, finished = false;
    try {
      const res = await fetch(this.o.api + "/v1/chat", {
        method: "POST", credentials: "omit", signal: run.ctrl.signal,
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        // The guard replies in the interface's language.
        body: JSON.stringify({ messages, stream: true, language: this.o.locale }),
      }).catch((e) => { throw run.stopped ? e : failure("network"); });
      if (!res.ok) throw failureFrom(res);
      if (!res.body) throw failure("server");
      try {
        for await (const { event, data } of events(res)) {
          if (event === "citations") a.citations = cleanCitations(data.citations);
          if (run.stopped) {
            // Stopped: show no more, but let the citations name the sources of what was.
            if (event !== "citations") continue;
            this.renderReply(turn, botEl);
            this.save();
            break;
          }
          if (event === "meta") a.id = cleanId(data.id);
          else if (event === "delta") {
            if (!p) botEl.replaceChildren(h("span.sr", this.t("bot") + " "), (p = h("p.tx")));
            a.text += str(data.text);
            // Hold back a marker cut in two ("[1" + "2]") until it is complete.
            const cut = a.text.search(/\[\d{0,3}$/);
            run.shown = cut < 0 ? a.text : a.text.slice(0, cut);
            p.replaceChildren(...this.richAnswer(run.shown, turn));
          } else if (event === "guardrail") {
            a.text = str(data.message);
            a.status = data.status === "escalated" || data.action === "escalate" ? "escalated" : "refused";
            a.guardrail = cleanGuardrail(data);
          } else if (event === "done") {
            finished = true;
            if (["answered", "abstained", "refused", "escalated"].includes(data.status)) a.status = data.status;
            a.worded = data.answerer === "llm";
          } else if (event === "error") {
            throw failure(data.status === 429 ? "rate" : data.status === 503 ? "starting" : "server");
          }
          this.follow(userEl);
        }
      } catch (e) {
        throw e.kind || run.stopped ? e : failure("interrupted");
      }
      if (run.stopped) return;
      if (!finished) throw failure("interrupted");
      if (a.status === "pending") a.status = "answered";
      this.finish(turn, userEl, botEl);
    } catch (e) {
      if (run.stopped) return;
      if (run.shown) {
        // What arrived stays, marked cut off; the question goes back into the input.
        a.text = run.shown;
        a.status = "incomplete";
        this.finish(turn, userEl, botEl);
      } else {
        userEl.remove();
        botEl.remove();
      }
      if (!this.input.value.trim()) { this.input.value = q; this.changed(); }
      this.showError(e.kind ? e : failure("network"), q);
    } finally {
      if (this.run === run) this.release();
    }
  }

  finish(turn, userEl, botEl) {
    this.renderReply(turn, botEl);
    turn.els = [userEl, botEl];
    this.turns.push(turn);
    while (this.turns.length > MAX_TURNS) for (const el of this.turns.shift().els) el.remove();
    this.save();
    this.updateClear();
    this.follow(userEl);
    if (!this.isOpen) this.badgeFor(this.unread + 1);
  }
  release() {
    this.run = null;
    this.setBusy(false);
  }

  stop() {
    const run = this.run;
    if (!run) return;
    run.stopped = true;
    this.release();
    Object.assign(run.turn.a, { text: run.shown, status: "stopped" });
    this.finish(run.turn, run.userEl, run.botEl);
    // Read on, silently, for the citations (soon: the answer is written), then drop it.
    setTimeout(() => run.ctrl.abort(), run.shown && !run.turn.a.citations.length ? 15000 : 0);
  }

  /** Starts afresh; undoable from the button, not from the page's code (at log-out). */
  clear(undoable = false) {
    const run = this.run, gone = this.turns;
    if (run) {
      run.stopped = true;
      run.ctrl.abort();
      this.release();
    }
    this.closeViewer(false);
    this.hideBars();
    this.turns = [];
    this.store.clear();
    this.log.replaceChildren(this.greeting, this.sugg || "");
    if (this.sugg) this.sugg.hidden = false;
    this.updateClear();
    this.say(this.t("cleared"));
    if (undoable && gone.length) {
      this.undoBar.append(h("p", this.t("cleared")), h("button.btn", { text: this.t("undo"), onclick: () => {
        this.hideBars();
        this.turns = gone;
        gone.forEach((turn) => this.renderTurn(turn));
        this.save();
        this.updateClear();
        this.log.scrollTop = this.log.scrollHeight;
        this.input.focus();
      } }));
      this.undoBar.hidden = false;
    }
    this.input.focus();
  }

  // --- errors: a calm line with a retry
  showError(f, q) {
    const t = this.t, msg = h("p", t(f.kind));
    const retry = h("button.btn", { text: t("retry"), onclick: () => { this.hideBars(); this.ask(q); } });
    if (f.kind === "rate") {
      let left = f.wait;
      const tick = () => {
        msg.textContent = left > 0 ? t("rate", { s: left }) : t("rateNow");
        retry.disabled = left > 0;
        if (left-- <= 0) clearInterval(this.timer);
      };
      tick();
      this.timer = setInterval(tick, 1000);
    }
    this.err.replaceChildren(msg, retry);
    this.err.hidden = false;
  }
  hideBars() {
    clearInterval(this.timer);
    for (const bar of [this.err, this.undoBar]) {
      bar.hidden = true;
      bar.textContent = "";
    }
  }

  // --- the source viewer
  fetch(path, init) {
    return fetch(this.o.api + path, Object.assign({ credentials: "omit",
      headers: Object.assign({ Accept: "application/json" }, init && { "Content-Type": "application/json" }) }, init))
      .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  article(id) {
    if (!/^[a-z0-9-]{1,120}$/.test(id)) return Promise.reject(new Error("bad id"));
    if (!this.articles.has(id)) {
      const p = this.fetch("/v1/articles/" + id);
      p.catch(() => this.articles.delete(id));
      this.articles.set(id, p);
    }
    return this.articles.get(id);
  }

  closeViewer(restore = true) {
    if (this.viewer.hidden) return;
    this.viewer.hidden = true;
    this.viewer.textContent = "";
    this.log.inert = false;
    const o = this.opener;
    if (restore) (o && o.isConnected ? o : this.input).focus();
  }

  meta(art, section) {
    let date = str(art.reviewed_on);
    if (/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      try { date = new Intl.DateTimeFormat(this.o.lang, { dateStyle: "long", timeZone: "UTC" }).format(new Date(date)); } catch (_) { /* ISO */ }
    }
    const parts = [date && this.t("reviewed", { date }), section && this.t("section", { s: section })];
    return h("p.meta", parts.filter(Boolean).join(" · "));
  }

  async showSource(c, opener) {
    const t = this.t, quote = c.quote;
    this.opener = opener;
    const title = h("h3", { id: "va-vtitle", tabindex: "-1", text: c.title });
    const body = h("div", {}, h("p.warn", t("loading")));
    const scroller = h("div.vs", { tabindex: "0", "aria-labelledby": "va-vtitle" }, h("p.kk", { text: t("citeShort", { n: c.n }) }), title, body);
    this.viewer.replaceChildren(h("div.vb", {}, h("button", { onclick: () => this.closeViewer() }, icon("back"), t("back"))), scroller);
    this.viewer.hidden = false;
    this.log.inert = true; // out of reach while the source covers it
    title.focus();
    // The passage holding the quote (else some context), the quote highlighted.
    const quoted = (before = "", after = "") => h("blockquote", {}, rich(before + quote + after, undefined, before.length, before.length + quote.length));
    let art;
    try {
      art = await this.article(c.article_id);
    } catch (_) {
      body.replaceChildren(h("p.warn", t("fail")), quoted());
      return;
    }
    const text = str(art.body);
    const chars = Array.from(text); // offsets count code points, not UTF-16 units
    const cut = (a, b) => chars.slice(a, b).join("");
    let s = c.start, e = c.end;
    if (!(s >= 0 && e <= chars.length && cut(s, e) === quote)) {
      const i = text.indexOf(quote); // stale offsets: find the sentence
      s = i < 0 ? -1 : Array.from(text.slice(0, i)).length;
      e = s + Array.from(quote).length;
    }
    const passage = s < 0 ? null : arr(art.passages).find((p) => p && int(p.start) <= s && e <= int(p.end) && p.end <= chars.length);
    const from = passage ? passage.start : Math.max(0, s - 300), to = passage ? passage.end : Math.min(chars.length, e + 300);
    title.textContent = str(art.title) || c.title;
    body.replaceChildren(this.meta(art, passage && str(passage.section)), s < 0 ? quoted()
      : quoted((from > 0 && !passage ? "… " : "") + cut(from, s), cut(e, to) + (to < chars.length && !passage ? " …" : "")));
    if (s < 0) body.append(h("p.warn", t("notFound")));
    const sources = arr(art.sources).filter((x) => x && (str(x.name) || str(x.url)));
    if (sources.length) body.append(h("p.sh", t("from")), h("ul", {}, sources.map((x) => h("li", {}, this.link(x.url, str(x.name) || str(x.url))))));
    if (str(art.license)) body.append(h("p.lic", { text: t("licence", { l: str(art.license) }) }));
    // Scroll the viewer alone (scrollIntoView would move the panel and page too).
    let top = 0;
    for (let el = body.querySelector("mark"); el && el !== scroller; el = el.offsetParent) top += el.offsetTop;
    scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 3);
  }

  destroy() {
    if (this.run) this.run.ctrl.abort();
    clearInterval(this.timer);
    if (window.visualViewport) for (const type of ["resize", "scroll"]) visualViewport.removeEventListener(type, this.onViewport);
    document.removeEventListener("focusin", this.onFocusIn);
    this.host.remove();
  }
}

// === public API: window.VettedAssistant
let widget = null;
const api = {
  version: VERSION,
  /** (Re)creates the widget; options override the script tag's data- attributes. */
  init(options) {
    if (widget) widget.destroy();
    widget = new Widget(Object.assign(fromScript(SCRIPT), options));
    return api;
  },
  open: () => widget && widget.open(),
  close: () => widget && widget.isOpen && widget.close(),
  clear: () => widget && widget.clear(),
  destroy() { if (widget) widget.destroy(); widget = null; },
};
window.VettedAssistant = api;
const preset = window.VettedAssistantConfig; // set by a page before the script loads
if (!(SCRIPT && SCRIPT.hasAttribute("data-manual"))) api.init(preset && typeof preset === "object" ? preset : {});
})();

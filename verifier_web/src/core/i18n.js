// The page's translations: gettext-style catalogues whose message ids are the English
// texts (src/vcissue/i18n/<language>.json, the catalogue vcissue.i18n gives the printed
// certificate; build.mjs bundles every one). English needs no catalogue.

/**
 * The first of the browser's languages the page has a catalogue for, else English.
 *
 * @param {Array<string>} preferred - navigator.languages.
 * @param {object} catalogues - language -> {msgid: translation}.
 * @returns {string} A language code.
 */
export function chooseLanguage(preferred, catalogues) {
  for(const tag of preferred) {
    const language = String(tag).toLowerCase().split('-')[0];
    if(language === 'en' || Object.hasOwn(catalogues, language)) {
      return language;
    }
  }
  return 'en';
}

/** A `t(msgid, values)` for `language`: the translation (or the msgid), {names} filled. */
export function translator(catalogues, language) {
  const catalogue = catalogues[language] ?? {};
  return (msgid, values = {}) => {
    const text = Object.hasOwn(catalogue, msgid) ? catalogue[msgid] : msgid;
    return text.replace(/\{([a-z]+)\}/g, (whole, name) =>
      Object.hasOwn(values, name) ? String(values[name]) : whole);
  };
}

/**
 * A message kept for translation: a catalogue msgid (the English text) and its values.
 * Values may be plain text (technical details stay as they are) or messages themselves.
 *
 * @param {string} template - The msgid, with {name} placeholders.
 * @param {object} values - name -> text, number, message or list of messages.
 * @returns {object} {template, values}.
 */
export function message(template, values = {}) {
  return Object.freeze({template, values});
}

/**
 * The text of a message (or a list of messages, joined by "; "), translated by `t`.
 *
 * @param {object|Array|string} note - What message() made, a list of those, or text.
 * @param {Function} t - A translator; English (the msgids themselves) by default.
 * @returns {string} The text.
 */
export function render(note, t = english) {
  if(Array.isArray(note)) {
    return note.map(item => render(item, t)).join('; ');
  }
  if(note === null || typeof note !== 'object') {
    return String(note);
  }
  const values = {};
  for(const [name, value] of Object.entries(note.values)) {
    values[name] = typeof value === 'object' && value !== null ? render(value, t) : value;
  }
  return t(note.template, values);
}

const english = translator({}, 'en');

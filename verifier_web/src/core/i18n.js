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

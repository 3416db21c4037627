// The merchant's middleware drops the whole referral when icodrip_ref carries an email it finds
// implausible, so only addresses it is sure to accept are stored: the dot-atom form (no leading,
// trailing or double dot), a local part of 1-64 and at most 254 characters in all, domain labels of
// at most 63 that neither start nor end with "-", a top level of letters. Rarer valid forms, such
// as punycode top levels, are not worth the bytes: they skip the lead.
// A function around the literal rather than a constant holding it: terser puts the function into
// its one call, where a constant holding a RegExp would keep a name of its own. (No g or y flag, so
// a fresh object per call behaves as a shared one would.)
//
// Written for size. One lookahead at the start refuses 255 characters or more, a local part of 65
// or more (65 characters before any @) and a leading dot. The local part's characters are the
// dot-atom's, as ranges of ASCII: ! #-' (#$%&') *+ /-9 (/ and digits) =? ^-~ (^_`, a-z and {|}~)
// and -; the i flag adds A-Z. Each dot must be followed by one of them, so no double or trailing dot.
// A domain label is 1-63 letters, digits and hyphens between two word boundaries (\b): what precedes
// it (@ or .) and what follows (.) are not word characters, so its first and last characters must
// be, which a hyphen is not. The same labels as a letter or digit, then up to 61 more, then a
// letter or digit, in fewer characters.
export const isEmail = (value: string) =>
  /^(?!.{255}|[^@]{65}|\.)(\.?[!#-'*+/-9=?^-~-])+@(\b[a-z\d-]{1,63}\b\.)+[a-z]{2,63}$/i.test(value);

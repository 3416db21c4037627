// The merchant's middleware drops the whole referral when icodrip_ref carries an email it finds
// implausible, so only addresses it is sure to accept are stored: the dot-atom form (no leading,
// trailing or double dot), a local part of 1-64 and at most 254 characters in all, domain labels of
// at most 63 that neither start nor end with "-", a top level of letters. Rarer valid forms, such
// as punycode top levels, are not worth the bytes: they skip the lead.
// (The pattern itself is exported, not a function around it: terser would keep the wrapper.)
export const EMAIL = /^(?=[^.@][^@]{0,63}@)(?=.{1,254}$)(\.?[\w!#$%&'*+/=?^`{|}~-])+@([a-z\d]([a-z\d-]{0,61}[a-z\d])?\.)+[a-z]{2,63}$/i;

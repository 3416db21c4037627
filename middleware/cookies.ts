// Express 5 ships no cookie parser and the middleware must not pull one in, so this reads only
// what it needs from the Cookie header, following RFC 6265 section 4.2.1 (`name=value; name=value`).

// Every value of `name`, in header order: a browser sends one cookie per matching domain and path,
// so the same name may appear more than once and the caller chooses among them.
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    values.push(unquote(pair.slice(eq + 1).trim()));
  }
  return values;
}

// The grammar allows a value wrapped in double quotes; the quotes are not part of it.
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

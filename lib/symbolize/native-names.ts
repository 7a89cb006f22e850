/**
 * Native function names as a reader wants them: the demangled C++ name
 * without its parameters, template arguments and return type.
 *   void v8::internal::JsonParser<unsigned short>::ParseJsonValue<false>(v8::internal::Handle<...>)
 *     -> v8::internal::JsonParser::ParseJsonValue
 * Kept whole where it cannot be shortened safely (operator names).
 */
export function readableNativeName(symbol: string): string {
  // `(anonymous namespace)::` would read as a parameter list.
  const demangled = symbol.replaceAll('(anonymous namespace)::', '');
  if (demangled.includes('operator')) return cutParameters(demangled);
  let depth = 0;
  let out = '';
  for (const char of cutParameters(demangled)) {
    if (char === '<') depth++;
    else if (char === '>') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += char;
  }
  // A return type before the name (function templates): the last word is the name.
  const name = out.trim().split(' ').pop() ?? '';
  return name === '' ? demangled : name;
}

/** The name up to its parameter list (the first '(' outside template arguments). */
function cutParameters(name: string): string {
  let depth = 0;
  for (let i = 0; i < name.length; i++) {
    const char = name[i];
    if (char === '<') depth++;
    else if (char === '>') depth = Math.max(0, depth - 1);
    else if (char === '(' && depth === 0 && i > 0) return name.slice(0, i);
  }
  return name;
}

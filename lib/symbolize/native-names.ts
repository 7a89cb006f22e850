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

/**
 * What JavaScript asked for when its time ends in these V8 functions: the
 * entry points whose work has a name a reader knows (`JSON.parse` for
 * JsonParser's functions, `Math.sin` for ieee754::sin, compiling JavaScript
 * for the parser). Takes readable names (readableNativeName).
 */
const MEANINGS: ReadonlyArray<readonly [RegExp, string | ((match: RegExpExecArray) => string)]> = [
  [/^v8::internal::(JsonParser|JsonParseInternalizer)::/, 'JSON.parse'],
  [/^v8::internal::JsonStringifier::/, 'JSON.stringify'],
  [/^v8::base::ieee754::(?:legacy::|libm_)?(\w+)$/, (match) => `Math.${match[1]!}`],
  [/^v8::internal::(RegExp|Irregexp)\w*::/, 'a regular expression'],
  [/^v8::internal::(Parser|PreParser|ParserBase|Scanner|Compiler|interpreter|AstValueFactory|DeclarationScope|Scope)::/, 'compiling JavaScript'],
  [/^v8::internal::(compiler|maglev|baseline|turboshaft)::/, 'optimizing JavaScript'],
  [/^v8::internal::Deoptimizer::/, 'deoptimizing'],
];

/** What JavaScript asked for, when a native function's name says it; undefined otherwise. */
export function nativeMeaning(readableName: string): string | undefined {
  for (const [pattern, meaning] of MEANINGS) {
    const match = pattern.exec(readableName);
    if (match !== null) return typeof meaning === 'string' ? meaning : meaning(match);
  }
  return undefined;
}

/**
 * Splits a SQL script into statements on top-level semicolons, skipping those in
 * comments, quoted strings, quoted identifiers and dollar-quoted bodies. Written
 * by hand because the SQL libraries that do this bring a whole parser with them.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = []
  let current = ''
  let i = 0
  while (i < script.length) {
    const rest = script.slice(i)
    const skip =
      /^--[^\n]*/.exec(rest)?.[0] ??
      /^\/\*[\s\S]*?\*\//.exec(rest)?.[0] ??
      /^'(?:[^']|'')*'/.exec(rest)?.[0] ??
      /^"(?:[^"]|"")*"/.exec(rest)?.[0] ??
      dollarQuoted(rest)
    if (skip) {
      if (!skip.startsWith('--') && !skip.startsWith('/*')) current += skip
      i += skip.length
      continue
    }
    const char = script[i] as string
    if (char === ';') {
      if (current.trim()) statements.push(current.trim())
      current = ''
    } else {
      current += char
    }
    i++
  }
  if (current.trim()) statements.push(current.trim())
  return statements
}

function dollarQuoted(rest: string): string | undefined {
  const tag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0]
  if (!tag) return undefined
  const end = rest.indexOf(tag, tag.length)
  return end === -1 ? rest : rest.slice(0, end + tag.length)
}

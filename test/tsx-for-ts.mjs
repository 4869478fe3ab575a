// tap's node-arg (package.json): a TypeScript test file (one run alone, a system
// suite) loads under tsx; the suites' .mjs launchers import their compiled copy
// (test/compiled.mjs) and load no loader at all.
if (process.argv[1]?.endsWith('.ts')) await import('tsx')

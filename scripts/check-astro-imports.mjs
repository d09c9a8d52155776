// dependency-cruiser does not read .astro files, so this holds the same layering rules
// (.dependency-cruiser.cjs) for the imports in their frontmatter. Run by `npm run lint:deps`.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** [who, what they may not import as a value, why]. */
const rules = [
  [/^src\/(components|layouts)\//, /^src\/lib\/server\//, 'markup imports no value from lib/server: the page passes it what it shows'],
  [/^src\/(components|layouts)\//, /^src\/forms\/(?!posted\.ts$)/, 'of src/forms, markup may use forms/posted.ts only'],
];
/** [who, what they may not import at all, why]. */
const typeRules = [[/^src\/pages\//, /^src\/lib\/server\/db\/schema/, 'pages call services; they never import the tables']];

function astroFiles(folder) {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return astroFiles(full);
    return entry.name.endsWith('.astro') ? [full] : [];
  });
}

function resolveImport(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.astro`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return path.relative(root, candidate).split(path.sep).join('/');
  }
  return null;
}

const problems = [];
for (const file of astroFiles(path.join(root, 'src'))) {
  const source = fs.readFileSync(file, 'utf8');
  const frontmatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(source)?.[1] ?? '';
  const who = path.relative(root, file).split(path.sep).join('/');
  for (const match of frontmatter.matchAll(/^import\s+(type\s+)?([\s\S]*?)\s+from\s+'(\.[^']+)';/gm)) {
    const [, typeKeyword, clause = '', specifier = ''] = match;
    const target = resolveImport(file, specifier);
    if (!target) {
      problems.push(`${who}: cannot resolve '${specifier}'`);
      continue;
    }
    // `import { type A, type B }` is type-only too; a default or any plain name is a value.
    const names = /^\{([\s\S]*)\}$/
      .exec(clause.trim())?.[1]
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const typeOnly = Boolean(typeKeyword) || (names !== undefined && names.every((name) => name.startsWith('type ')));
    for (const [from, to, why] of rules) {
      if (!typeOnly && from.test(who) && to.test(target)) problems.push(`${who} → ${target}: ${why}`);
    }
    for (const [from, to, why] of typeRules) {
      if (from.test(who) && to.test(target)) problems.push(`${who} → ${target}: ${why}`);
    }
  }
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} import(s) in .astro files break the layering (ARCHITECTURE.md, "Layers").`);
  process.exit(1);
}
console.log('.astro imports follow the layering');

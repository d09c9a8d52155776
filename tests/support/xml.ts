import { SaxesParser } from 'saxes';

/** Well-formed XML 1.0 with namespaces, by a conforming parser (saxes): the first error, or null. */
export function xmlError(xml: string): string | null {
  const parser = new SaxesParser({ xmlns: true });
  let error: string | null = null;
  parser.on('error', (problem) => {
    error ??= problem.message;
  });
  parser.write(xml).close();
  return error;
}

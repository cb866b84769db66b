// Parses a Mermaid diagram from standard input with the real `mermaid`
// package (under jsdom, which it needs for its sanitiser), and exits 1 with
// the parser's message when it is refused. tests/cli/pictures.rs copies
// it next to a node_modules that holds `mermaid@11` and `jsdom` (.ci/run
// installs them under target/mermaid) and runs it there.
import { readFileSync } from 'fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
// Mermaid refuses more than 500 edges unless told otherwise (a renderer's
// limit, not the syntax's); the real graphs in the tests have more.
mermaid.initialize({ maxEdges: 100000 });
const text = readFileSync(0, 'utf8');
try {
  const result = await mermaid.parse(text);
  console.log(`ok ${result.diagramType}`);
} catch (e) {
  console.error(`parse error: ${e.message}`);
  process.exit(1);
}

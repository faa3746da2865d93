// Arquero for the pages and the node tests alike. `import * as aq from "arquero"` builds, but Framework
// bundles the package's source entry without applying its "browser" field, so the page would import
// Node's fs and stream modules and fail. The package's self-contained UMD build has no such imports: run
// as an ES module (Node, since the package is "type": "module") it sets globalThis.aq; bundled as CommonJS
// (Framework) it fills its exports.
import type * as Arquero from "arquero";
// @ts-expect-error the UMD build ships no type declarations; the package's own describe it (Arquero).
import * as umd from "arquero/dist/arquero.js";

const aq = ((globalThis as { aq?: typeof Arquero }).aq ?? umd.default ?? umd) as typeof Arquero;
if (typeof aq?.from !== "function") throw new Error("Arquero did not load");

export const {from, table, escape, desc, not, op} = aq;

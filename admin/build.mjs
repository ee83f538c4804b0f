// Builds the admin console into Tools/realtimenet/gateway/admin_static/ (committed, served by the gateway; no CDN).
// `node build.mjs` writes it; `node build.mjs --check` fails when the committed files differ from a fresh build
// (`make check` runs it, as `rtnet codegen --check` guards the generated code).
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "../Tools/realtimenet/gateway/admin_static");
const check = process.argv.includes("--check");

const bundle = await build({
  entryPoints: [join(here, "src/main.jsx")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "eof",
  write: false,
  logLevel: "warning",
});
const styles = await build({
  entryPoints: [join(here, "src/style.css")],
  bundle: true,
  minify: true,
  write: false,
  logLevel: "warning",
});

const files = {
  "index.html": readFileSync(join(here, "src/index.html"), "utf8"),
  "app.js": bundle.outputFiles[0].text,
  "app.css": styles.outputFiles[0].text,
};

let stale = [];
for (const [name, text] of Object.entries(files)) {
  const path = join(out, name);
  const current = existsSync(path) ? readFileSync(path, "utf8") : null;
  if (current === text) continue;
  if (check) {
    stale.push(name);
  } else {
    mkdirSync(out, { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (stale.length) {
  console.error(`stale admin console build: ${stale.join(", ")} (run \`make admin\`)`);
  process.exit(1);
}

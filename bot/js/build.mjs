// Builds the browser scripts the gateway serves from bot/js/ (ES modules) with esbuild: each entry
// becomes one classic script in bot/static/, so the widget is still embedded by one <script> tag on
// any site (no module loading, no CORS). Run by `make setup` (npm run build); the output is not committed.
import { build } from 'esbuild';

const ENTRIES = { widget: 'bot/js/widget/main.js', console: 'bot/js/console/main.js' };

await build({
  entryPoints: ENTRIES,
  outdir: 'bot/static',
  bundle: true,
  format: 'iife',
  target: ['es2022'], // browsers of the last few years; class fields stay as written
  charset: 'utf8',
  legalComments: 'none',
  banner: { js: '/* Built from bot/js/ by `make setup` (esbuild); edit the sources there. */' },
  logLevel: 'warning',
});

// ESLint (flat config) for Tandem's browser code: the ES module sources in bot/js/ (bundled by
// bot/js/build.mjs), their unit tests, and the classic scripts served as they are from bot/static/.
import js from '@eslint/js';
import globals from 'globals';

export default [
  // Only Tandem's own code: not the virtualenvs' packages, run state or built bundles (from bot/js/).
  { ignores: ['node_modules/', '.venv/', '.venv-rasa/', 'state/', 'models/', 'results/', 'bot/static/widget.js',
             'bot/static/console.js'] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: ['bot/js/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['bot/static/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, TandemStaff: 'readonly' } },
  },
  {
    files: ['bot/js/test/**/*.js', 'bot/js/build.mjs', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
];

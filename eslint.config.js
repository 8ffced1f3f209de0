// Lint rules beyond what `tsc --strict` checks: likely mistakes, not style (no formatter rules).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'experiments/**', 'datasets/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // tsc's noUnused* options already report these, with fewer false positives
      '@typescript-eslint/no-unused-vars': 'off',
      // the addon and the pickle machine are loaded by require() on purpose
      '@typescript-eslint/no-require-imports': 'off',
      eqeqeq: ['error', 'always'],
      'no-constant-condition': ['error', { checkLoops: false }],
      'prefer-const': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'console', 'URL', 'Buffer', 'AbortController', 'setTimeout', 'clearTimeout', 'performance'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // the restoration page: a browser page and its module worker
    files: ['examples/web/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'self', 'fetch', 'Worker', 'Promise', 'URL', 'ImageData', 'OffscreenCanvas', 'createImageBitmap', 'AbortController', 'performance', 'console', 'URLSearchParams']
          .map((g) => [g, 'readonly']),
      ),
    },
  },
);

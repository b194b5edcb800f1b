// Lint rules that carry project policy, not only taste:
// - time comes through the Clock port (src/clock.ts): no Date.now()/setTimeout elsewhere in src,
//   so batching, retries and shutdown can run on virtual time in tests;
// - nothing reads process.env outside src/config/load.ts (config is declared once).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const timeRestrictions = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: 'Read time through the Clock port (src/clock.ts).',
  },
  {
    selector: 'CallExpression[callee.name=/^(setTimeout|setInterval)$/]',
    message: 'Schedule through the Clock port (src/clock.ts).',
  },
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: 'Read time through the Clock port (src/clock.ts).',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', '.cache/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/clock.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...timeRestrictions],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration in src/config/load.ts only.',
        },
      ],
    },
  },
  {
    files: ['src/config/load.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Maintainer scripts that load CommonJS packages outside the project (scripts/parity/).
    files: ['scripts/**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', structuredClone: 'readonly', URLSearchParams: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

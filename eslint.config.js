// Layer rules (see ../shared/ARCHITECTURE.md): shared imports nothing of ours and no Node/DOM
// module; renderer imports no Node module and nothing from electron/; only electron/shell
// imports 'electron'.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'net',
  'dgram',
  'url',
  'util',
  'stream',
  'events',
  'worker_threads',
];
const pattern = (group, message) => ({ group, message });
const electronOnlyInShell = {
  name: 'electron',
  message: "Only electron/shell may import 'electron'.",
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'out-*/**',
      'dist/**',
      'release/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'bench/.work/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
        globalThis: 'readonly',
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
        WebSocket: 'readonly',
        requestAnimationFrame: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-imports': ['error', { paths: [electronOnlyInShell] }],
    },
  },
  {
    files: ['electron/shell/**', 'test/unit/shell/**', 'test/e2e/electron*'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            pattern(
              ['**/electron/*', '**/renderer/*', '**/server/*'],
              'shared/ imports nothing of ours outside shared/.',
            ),
            pattern(nodeBuiltins, 'shared/ is isomorphic: no Node modules.'),
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            pattern(
              ['**/electron/*', '**/server/*'],
              'renderer talks only to window.api (the contract in shared/).',
            ),
            pattern(nodeBuiltins, 'renderer runs in the page: no Node modules.'),
          ],
        },
      ],
    },
  },
  {
    files: ['server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInShell],
          patterns: [
            pattern(
              ['**/renderer/*', '**/electron/shell/*'],
              'server/ uses shared/ and plain Node only.',
            ),
          ],
        },
      ],
    },
  },
);

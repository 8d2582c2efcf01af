import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  plugins: [
    VitePWA({
      // Our own service worker (src/sw.ts); Workbox injects the versioned precache list.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false, // registered by src/pwa.ts (no inline script: CSP)
      registerType: 'prompt',
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        globIgnores: ['screenshots/**'], // only the install dialog shows them: not worth a phone's storage
        rollupFormat: 'iife',
      },
      manifest: {
        id: '/',
        name: 'Beatbook',
        short_name: 'Beatbook',
        description: 'Log stop searches, arrests, safeguarding referrals and intelligence on patrol, even with no signal.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        // The splash screen: dark, so opening the app on a night shift does not flash white.
        background_color: '#0d1117',
        theme_color: '#13284d',
        shortcuts: [
          { name: 'Log a stop search', short_name: 'Stop search', url: '/#/log/stop_search' },
          { name: 'Log intelligence', short_name: 'Intelligence', url: '/#/log/intelligence_log' },
        ],
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
          { src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
        // From the browser tests (tests/e2e/test_supervisor_phone.py, 360x640 at 2x).
        screenshots: [
          { src: '/screenshots/officer-home.png', sizes: '720x1280', type: 'image/png', form_factor: 'narrow', label: 'Logging an entry with one tap, even with no signal' },
          { src: '/screenshots/sergeant-review-night.png', sizes: '720x1280', type: 'image/png', form_factor: 'narrow', label: 'A sergeant reviews the night shift, in the dark theme' },
          { src: '/screenshots/inspector-tally-night.png', sizes: '720x1280', type: 'image/png', form_factor: 'narrow', label: 'The operation tally, week by week' },
        ],
      },
      devOptions: { enabled: false },
    }),
  ],
});

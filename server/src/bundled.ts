// Whether this code runs from the production build (server/dist, see server/scripts/build.mjs,
// which defines PARLEY_BUNDLED) or from the sources through tsx (development, tests).
declare const PARLEY_BUNDLED: boolean | undefined;

export const bundled: boolean = typeof PARLEY_BUNDLED !== 'undefined' && PARLEY_BUNDLED;

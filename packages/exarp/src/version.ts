/** This release of exarp (kept equal to package.json by a test, so no code reads files to learn it). */
export const VERSION = "0.1.0";

// OpenCode treats every export of a plugin module as a plugin: export the plugin and nothing else.
export { ExarpPlugin } from "./plugin.ts";

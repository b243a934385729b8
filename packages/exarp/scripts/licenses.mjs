// The licenses of the third-party packages esbuild bundled into a package's files, gathered from the
// bundles' metafiles into one text (dist/THIRD-PARTY-LICENSES.txt): what their MIT-style licenses ask
// a copy to carry. Used by both packages' builds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The notice text for every package under node_modules that one of `metafiles` read from, sorted by
 * name; undefined when none was bundled. Their paths are relative to `root`, the builds' esbuild
 * working folder (`absWorkingDir`); a plugin's virtual modules (`namespace:path`) are not files.
 * `what` names the files they were bundled into.
 */
export function thirdPartyNotices(root, metafiles, what) {
  const packages = new Map();
  for (const input of metafiles.flatMap((m) => Object.keys(m.inputs))) {
    if (/^[\w-]+:/.test(input)) continue;
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0) continue;
    const depth = parts[at + 1]?.startsWith("@") ? 2 : 1;
    const dir = join(root, ...parts.slice(0, at + 1 + depth));
    if (!packages.has(dir)) packages.set(dir, JSON.parse(readFileSync(join(dir, "package.json"), "utf8")));
  }
  const notices = [...packages]
    .sort(([, a], [, b]) => a.name.localeCompare(b.name))
    .map(([dir, pkg]) => {
      const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
      if (!file) throw new Error(`licenses: ${pkg.name} (bundled) has no license file`);
      return `${pkg.name}@${pkg.version} (${pkg.license})\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`;
    });
  return notices.length
    ? `Third-party code bundled in ${what}\n\n${notices.join(`\n${"-".repeat(72)}\n\n`)}`
    : undefined;
}
